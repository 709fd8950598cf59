import { accepted, type Decision, type Versioned } from '@aap/contracts';
import { addDays } from '../awards/award';

/**
 * Where the deadline job is in the calendar, pure: every day before `day` has been walked (its awards
 * lapsed), `day` itself is walked again at each tick (an award can come to lapse on the current day).
 * Walking from the cursor to today catches up after downtime or a clock moved forward; the cursor
 * never goes back (a clock moved back walks today only).
 */
export interface DeadlineCursor extends Versioned {
  id: string;
  day: string;
}

/** The days a tick walks: from the cursor (today on the first run) to today, each once. */
export function daysToWalk(cursor: DeadlineCursor | null, today: string): string[] {
  const days: string[] = [];
  for (let day = cursor && cursor.day < today ? cursor.day : today; day <= today; day = addDays(day, 1)) days.push(day);
  return days;
}

/** Once the days up to `today` were walked, the cursor moves to it (never back). */
export function advanceCursor(cursor: DeadlineCursor | null, command: { id: string; today: string }): Decision<DeadlineCursor> {
  if (cursor && cursor.day >= command.today) return accepted(cursor);
  return accepted({ id: command.id, day: command.today, version: cursor?.version ?? 0 });
}
