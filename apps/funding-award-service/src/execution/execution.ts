import { accepted, emit, refused, wrongStatus, AwardExecutionStarted, AwardStartDeadlineExtended, PAYMENT_SCHEDULE_LIMITS, type Violation } from '@aap/contracts';
import { addMonths, dateIn, factOf, lapseAward, pendingLapse, violation, type AwardDecision, type AwardState } from '../awards/award';

/**
 * Execution and its deadlines (décret 2018-514 art. 11), pure, on an injected `now`: the beneficiary
 * declares the start (the advance may then be asked); an award not started by its start deadline
 * (2 years after notification, extendable once by at most 1 year) or whose completion is not declared
 * within the schedule's period after the start lapses, releasing what it has not paid.
 */

/** The beneficiary declares the start of execution, on a date not in the future and not after the start deadline. */
export function declareStart(award: AwardState, command: { startedOn: string; by: string }, now: Date): AwardDecision {
  if (award.status === 'in-execution' && award.startedOn === command.startedOn) return accepted(award);
  if (award.status !== 'granted') return wrongStatus(award.status, `award ${award.awardId} is ${award.status}: only a granted award starts execution`);
  const today = dateIn(now);
  const violations: Violation[] = [];
  if (command.startedOn > today) violations.push(violation('start-not-future', `the start of execution (${command.startedOn}) cannot be after today (${today})`, '#/startedOn'));
  if (command.startedOn > award.startDeadline) violations.push(violation('start-deadline', `execution had to start by ${award.startDeadline}`, '#/startedOn'));
  const completionDeadline = addMonths(command.startedOn, award.schedule.completionWithinMonths);
  // A start so far back that completion is already overdue would lapse at once: refused instead.
  if (completionDeadline < today) violations.push(violation('completion-deadline-passed', `a start on ${command.startedOn} puts completion due by ${completionDeadline}, already passed`, '#/startedOn'));
  if (violations.length) return refused(violations);
  return accepted(
    { ...award, status: 'in-execution', startedOn: command.startedOn, completionDeadline },
    emit(AwardExecutionStarted, { ...factOf(award, now), startedOn: command.startedOn, completionDeadline, declaredBy: command.by }),
  );
}

/** Extends the start deadline, once, by at most a year, before it has passed. */
export function extendStartDeadline(award: AwardState, command: { months: number; reason: string; by: string }, now: Date): AwardDecision {
  if (award.status !== 'granted') return wrongStatus(award.status, `award ${award.awardId} is ${award.status}: only a granted award not yet started has a start deadline to extend`);
  const violations: Violation[] = [];
  const max = PAYMENT_SCHEDULE_LIMITS.maxStartExtensionMonths;
  if (award.startExtended) violations.push(violation('single-extension', `the start deadline of award ${award.awardId} was already extended once`));
  if (!Number.isInteger(command.months) || command.months < 1 || command.months > max) {
    violations.push(violation('extension-max', `an extension is 1 to ${max} months (décret 2018-514 art. 11); got ${command.months}`, '#/months'));
  }
  if (dateIn(now) > award.startDeadline) violations.push(violation('start-deadline-passed', `the start deadline (${award.startDeadline}) has passed: the award lapses`));
  const reason = command.reason.trim();
  if (!reason) violations.push(violation('reason-required', 'say why the deadline is extended', '#/reason'));
  if (violations.length) return refused(violations);
  const startDeadline = addMonths(award.startDeadline, command.months);
  return accepted(
    { ...award, startDeadline, startExtended: true },
    emit(AwardStartDeadlineExtended, { ...factOf(award, now), months: command.months, startDeadline, reason, extendedBy: command.by }),
  );
}

/**
 * The scheduled job's decision on one award: lapsed from the day of its pending lapse (`pendingLapse`:
 * execution not started by the day after its start deadline, or started and its balance not asked by
 * the day after its completion deadline); otherwise nothing changes.
 */
export function applyDeadlines(award: AwardState, now: Date): AwardDecision {
  const lapse = pendingLapse(award);
  if (lapse && dateIn(now) >= lapse.day) return lapseAward(award, lapse.reason, lapse.deadline, now);
  return accepted(award);
}
