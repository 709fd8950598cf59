import { z } from 'zod';

/**
 * The clock a service runs on: the real time, shifted by `AAP_CLOCK_OFFSET` in development and demos
 * (a deadline two years away is reached without waiting two years). Production runs on the real time.
 */
export interface ClockOffset {
  years: number;
  months: number;
  days: number;
  milliseconds: number;
}

const DURATION = /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** An ISO-8601 duration (`P2Y1D`, `PT6H`, `-P30D`) or a whole number of days (`730`, `-3`). */
export const clockOffset = z.string().transform((value, ctx): ClockOffset => {
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return { years: 0, months: 0, days: Number(text), milliseconds: 0 };
  const match = DURATION.exec(text);
  if (!match || match.slice(2).every((part) => part === undefined) || text.endsWith('T')) {
    ctx.addIssue({ code: 'custom', message: 'an ISO-8601 duration (e.g. P2Y1D, PT6H, -P30D) or a whole number of days' });
    return z.NEVER;
  }
  const [, minus, years, months, weeks, days, hours, minutes, seconds] = match;
  const sign = minus ? -1 : 1;
  const n = (part: string | undefined) => sign * Number(part ?? 0);
  return {
    years: n(years),
    months: n(months),
    days: n(weeks) * 7 + n(days),
    milliseconds: Math.round((n(hours) * 3_600 + n(minutes) * 60 + n(seconds)) * 1_000),
  };
});

export const clockEnvShape = {
  /** Development and demos only: the services' clock runs this far from the real time; refused in production. */
  AAP_CLOCK_OFFSET: clockOffset.optional(),
};

export function refineClockEnv(env: { AAP_CLOCK_OFFSET?: ClockOffset; NODE_ENV?: string }, ctx: z.RefinementCtx): void {
  if (env.AAP_CLOCK_OFFSET && env.NODE_ENV === 'production') {
    ctx.addIssue({ code: 'custom', path: ['AAP_CLOCK_OFFSET'], message: 'production runs on the real time: unset AAP_CLOCK_OFFSET' });
  }
}

/** `instant` moved by `offset` (years and months on the calendar, in UTC; then days and time). */
export function shiftedBy(instant: Date, offset: ClockOffset): Date {
  const shifted = new Date(instant);
  shifted.setUTCFullYear(shifted.getUTCFullYear() + offset.years, shifted.getUTCMonth() + offset.months, shifted.getUTCDate() + offset.days);
  return new Date(shifted.getTime() + offset.milliseconds);
}

/** The clock of a configuration: the real time, shifted by the offset when one is set. */
export const clockOf = (offset: ClockOffset | undefined): (() => Date) => (offset ? () => shiftedBy(new Date(), offset) : () => new Date());
