import {
  accepted,
  emit,
  refused,
  wrongStatus,
  CallClosed,
  CallExtended,
  CallPublished,
  CallReopened,
  CallTeamChanged,
  CallUnpublished,
  type CallRules,
  type CallSnapshot,
  type CallStatus,
  type CallTeam,
  type Decision,
  type TeamRole,
  type Violation,
} from '@aap/contracts';

/**
 * The call for projects, pure: each command takes the current call (and `now` where time matters)
 * and decides the next state and the event to record, or refuses. No I/O here.
 *
 * draft → published → closed (manually or at its closing time); closed → published (reopen);
 * published → published (extend); published → unpublished. Rules are edited only in draft.
 */

/** The call as this service keeps it: its published snapshot, and who created it (stored, never published). */
export type CallState = CallSnapshot & { createdBy?: string };

/** A call's decision: the next call and its event, or a refusal (see `Decision` in @aap/contracts). */
export type CallDecision = Decision<CallSnapshot>;

/**
 * The call as its event carries it: as stored once this change is written. The store adds 1 to the
 * version the change was decided on (a decide function never changes the version itself); consumers
 * keep the newest copy of a call by it.
 */
function asRecorded(next: CallState): CallSnapshot {
  const { createdBy: _createdBy, ...snapshot } = next;
  return { ...snapshot, version: next.version + 1 };
}
export type { Violation };

/** Décret 2018-514 art. 12: an advance of at most 30 %, interim payments of at most 80 % cumulated. */
export const MAX_ADVANCE_BPS = 3_000;
export const MAX_INTERIM_CAP_BPS = 8_000;

const instant = (iso: string) => Date.parse(iso);
const wrongStatusOf = (call: CallSnapshot, action: string, expected: CallStatus): CallDecision =>
  wrongStatus(call.status, `call ${call.callId} is ${call.status}: only a ${expected} call can be ${action}`);

/** The closing instant of a call: its last wave's (waves are chronological). */
export function closesAtOf(waves: CallRules['waves']): string {
  const last = waves.at(-1);
  if (!last) throw new Error('a call without waves has no closing time');
  return last.closesAt;
}

const duplicates = (ids: string[]) => [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];

/** Rules a call must keep to from its first draft on; one violation per broken rule. */
export function consistencyViolations(rules: CallRules): Violation[] {
  const { waves, cofinancing, paymentSchedule, scoringGrid } = rules;
  const violations: Violation[] = [];
  const broken = (name: string, detail: string) => violations.push({ name, detail });

  if (waves.length === 0) broken('waves-required', 'a call needs at least one wave (submission window)');
  const inverted = waves.filter((w) => !(instant(w.opensAt) < instant(w.closesAt))).map((w) => w.waveId);
  if (inverted.length) broken('wave-window', `each wave must open before it closes: ${inverted.join(', ')}`);
  const overlapping = waves.slice(1).filter((w, i) => instant(w.opensAt) < instant(waves[i]!.closesAt)).map((w) => w.waveId);
  if (overlapping.length) {
    broken('waves-chronological', `waves must follow one another without overlapping; opening before the previous wave closes: ${overlapping.join(', ')}`);
  }
  const waveIds = duplicates(waves.map((w) => w.waveId));
  if (waveIds.length) broken('wave-ids-unique', `wave ids must be unique: ${waveIds.join(', ')}`);

  if (cofinancing.minGrantCents > cofinancing.maxGrantCents) {
    broken('grant-range', `the minimum grant (${cofinancing.minGrantCents} cents) exceeds the maximum grant (${cofinancing.maxGrantCents} cents)`);
  }
  if (cofinancing.maxGrantCents > rules.budgetEnvelopeCents) {
    broken('grant-within-envelope', `the maximum grant (${cofinancing.maxGrantCents} cents) exceeds the budget envelope (${rules.budgetEnvelopeCents} cents)`);
  }

  if (paymentSchedule.advanceBps > MAX_ADVANCE_BPS) {
    broken('advance-cap', `the advance may not exceed ${MAX_ADVANCE_BPS / 100} % (décret 2018-514 art. 12); got ${paymentSchedule.advanceBps / 100} %`);
  }
  if (paymentSchedule.interimCapBps > MAX_INTERIM_CAP_BPS) {
    broken('interim-cap', `interim payments may not exceed ${MAX_INTERIM_CAP_BPS / 100} % cumulated (décret 2018-514 art. 12); got ${paymentSchedule.interimCapBps / 100} %`);
  }
  if (paymentSchedule.advanceBps > paymentSchedule.interimCapBps) {
    broken('advance-within-interim-cap', 'the advance may not exceed the cap of cumulated interim payments, which includes it');
  }

  const criterionIds = duplicates(scoringGrid.criteria.map((c) => c.criterionId));
  if (criterionIds.length) broken('criteria-ids-unique', `scoring criterion ids must be unique: ${criterionIds.join(', ')}`);
  const threshold = scoringGrid.passThreshold;
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 100)) {
    broken('pass-threshold-range', `the pass threshold is a weighted score between 0 and 100; got ${threshold}`);
  }
  return violations;
}

function closingTimeViolations(call: CallSnapshot, closesAt: string, now: Date): Violation[] {
  const violations: Violation[] = [];
  if (!(instant(closesAt) > instant(call.closesAt))) {
    violations.push({ name: 'closing-time-later', detail: `the new closing time must be later than the current one (${call.closesAt})` });
  }
  if (!(instant(closesAt) > now.getTime())) {
    violations.push({ name: 'closing-time-in-future', detail: `the new closing time (${closesAt}) is already past` });
  }
  return violations;
}

const reasonViolations = (reason: string | undefined): Violation[] =>
  reason?.trim() ? [] : [{ name: 'reason-required', detail: 'say why the closing time changes (reason)' }];

/** The call's waves with the last one closing at `closesAt`. */
const withClosingTime = (call: CallSnapshot, closesAt: string): Pick<CallSnapshot, 'waves' | 'closesAt'> => ({
  waves: call.waves.map((w, i) => (i === call.waves.length - 1 ? { ...w, closesAt } : w)),
  closesAt,
});

/** The team of a call created by `by`, or of a call from before teams (the upgrade): its creator is its first programme manager. */
export const firstTeam = (by: string): CallTeam => ({ 'programme-manager': [by], committee: [], finance: [] });

/** A new draft call (version 1, the first the store writes), created by the programme manager `by`, the first of its team. */
export function createCall(command: { callId: string; rules: CallRules; by: string }): Decision<CallState> {
  const violations = consistencyViolations(command.rules);
  if (violations.length) return refused(violations);
  return accepted({
    ...command.rules,
    callId: command.callId,
    status: 'draft',
    closesAt: closesAtOf(command.rules.waves),
    team: firstTeam(command.by),
    version: 1,
    createdBy: command.by,
  });
}

/** Replaces the rules of a draft; a published call is changed only by extending or reopening it. */
export function editCall(call: CallSnapshot, rules: CallRules): CallDecision {
  if (call.status !== 'draft') return wrongStatusOf(call, 'edited', 'draft');
  const violations = consistencyViolations(rules);
  if (violations.length) return refused(violations);
  return accepted({ ...rules, callId: call.callId, status: 'draft', closesAt: closesAtOf(rules.waves), ...(call.team ? { team: call.team } : {}), version: call.version });
}

export function publishCall(call: CallSnapshot, now: Date): CallDecision {
  if (call.status !== 'draft') return wrongStatusOf(call, 'published', 'draft');
  const violations = consistencyViolations(call);
  if (!(instant(call.closesAt) > now.getTime())) {
    violations.push({ name: 'closing-time-in-future', detail: `the call would close at ${call.closesAt}, which is already past` });
  }
  if (violations.length) return refused(violations);
  const next: CallSnapshot = { ...call, status: 'published', publishedAt: now.toISOString() };
  return accepted(next, emit(CallPublished, { call: asRecorded(next) }));
}

/** Closed by its programme manager, at any time while published. */
export function closeCall(call: CallSnapshot, command: { note?: string }, now: Date): CallDecision {
  if (call.status !== 'published') return wrongStatusOf(call, 'closed', 'published');
  const next: CallSnapshot = { ...call, status: 'closed', closedAt: now.toISOString() };
  const note = command.note?.trim();
  return accepted(next, emit(CallClosed, { call: asRecorded(next), reason: 'manual', ...(note ? { note } : {}) }));
}

/** Closed by the platform once its closing time is reached. */
export function closeAtClosingTime(call: CallSnapshot, now: Date): CallDecision {
  if (call.status !== 'published') return wrongStatusOf(call, 'closed', 'published');
  if (instant(call.closesAt) > now.getTime()) {
    return refused([{ name: 'closing-time-not-reached', detail: `the call closes at ${call.closesAt}` }]);
  }
  const next: CallSnapshot = { ...call, status: 'closed', closedAt: now.toISOString() };
  return accepted(next, emit(CallClosed, { call: asRecorded(next), reason: 'closing-time' }));
}

/** Moves the last wave's closing time later while the call is open. */
export function extendCall(call: CallSnapshot, command: { closesAt: string; reason?: string }, now: Date): CallDecision {
  if (call.status !== 'published') return wrongStatusOf(call, 'extended', 'published');
  const violations = [...reasonViolations(command.reason), ...closingTimeViolations(call, command.closesAt, now)];
  if (violations.length) return refused(violations);
  const next: CallSnapshot = { ...call, ...withClosingTime(call, command.closesAt) };
  return accepted(next, emit(CallExtended, { call: asRecorded(next), reason: command.reason!.trim(), previousClosesAt: call.closesAt }));
}

/** Publishes a closed call again, its last wave closing later. */
export function reopenCall(call: CallSnapshot, command: { closesAt: string; reason?: string }, now: Date): CallDecision {
  if (call.status !== 'closed') return wrongStatusOf(call, 'reopened', 'closed');
  const violations = [...reasonViolations(command.reason), ...closingTimeViolations(call, command.closesAt, now)];
  if (violations.length) return refused(violations);
  const { closedAt: _closedAt, ...open } = call;
  const next: CallSnapshot = { ...open, ...withClosingTime(call, command.closesAt), status: 'published' };
  return accepted(next, emit(CallReopened, { call: asRecorded(next), reason: command.reason!.trim() }));
}

/** Withdraws a published call from publication; applicants no longer see it. */
export function unpublishCall(call: CallSnapshot, command: { reason?: string }): CallDecision {
  if (call.status !== 'published') return wrongStatusOf(call, 'unpublished', 'published');
  const next: CallSnapshot = { ...call, status: 'unpublished' };
  const reason = command.reason?.trim();
  return accepted(next, emit(CallUnpublished, { call: asRecorded(next), ...(reason ? { reason } : {}) }));
}

/** A change of a call's team: who joins or leaves under which role, and who asks (`admin`: the caller acts as an admin). */
export interface TeamChange {
  role: TeamRole;
  member: string;
  by: { userId: string; admin: boolean };
}

/** Rule `team-managed-by-creator`: only the call's creator or an admin changes its team (the route answers it with 403). */
export const TEAM_MANAGED_BY_CREATOR = 'team-managed-by-creator';

function teamChange(call: CallState, change: TeamChange, team: CallTeam, kind: 'added' | 'removed'): Decision<CallState> {
  const next: CallState = { ...call, team };
  // A draft was never published: no other service holds a copy of it yet, its first event will carry the team.
  if (call.status === 'draft') return accepted(next);
  return accepted(next, emit(CallTeamChanged, { call: asRecorded(next), role: change.role, member: change.member, change: kind }));
}

function teamManagerViolations(call: CallState, change: TeamChange): Violation[] {
  if (change.by.admin || (call.createdBy !== undefined && change.by.userId === call.createdBy)) return [];
  return [{ name: TEAM_MANAGED_BY_CREATOR, detail: `only the call's creator (${call.createdBy ?? 'unknown'}) or an admin changes the team of call ${call.callId}` }];
}

/** The call's team, every role listed (a call from before teams: nobody yet). */
export const teamOf = (call: CallState): CallTeam => ({ 'programme-manager': [], committee: [], finance: [], ...call.team });

/** Puts `member` on the call's team under `role`; already there: nothing changes, nothing is written. */
export function addTeamMember(call: CallState, change: TeamChange): Decision<CallState> {
  const violations = teamManagerViolations(call, change);
  if (violations.length) return refused(violations);
  const team = teamOf(call);
  if (team[change.role].includes(change.member)) return accepted(call);
  return teamChange(call, change, { ...team, [change.role]: [...team[change.role], change.member] }, 'added');
}

/** Takes `member` off the call's team under `role`; not there: nothing changes. A call always keeps a programme manager. */
export function removeTeamMember(call: CallState, change: TeamChange): Decision<CallState> {
  const violations = teamManagerViolations(call, change);
  if (violations.length) return refused(violations);
  const team = teamOf(call);
  if (!team[change.role].includes(change.member)) return accepted(call);
  const remaining = team[change.role].filter((member) => member !== change.member);
  if (change.role === 'programme-manager' && remaining.length === 0) {
    return refused([{ name: 'last-programme-manager', detail: `${change.member} is the last programme manager of call ${call.callId}: add another one first` }]);
  }
  return teamChange(call, change, { ...team, [change.role]: remaining }, 'removed');
}

const parisFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'full', timeStyle: 'long' });

/** An instant in Europe/Paris local time, e.g. "mardi 31 mars 2026 à 23:59:59 UTC+2", so "end of day" is unambiguous. */
export const parisTime = (iso: string) => parisFormat.format(new Date(iso));
