import {
  accepted,
  DossierAccepted,
  DossierDecisionReopened,
  DossierRejected,
  DossierWaitlisted,
  euros,
  grantCapCents,
  refused,
  wrongStatus,
  type CallSnapshot,
  type DossierFact,
  type Violation,
} from '@aap/contracts';
import { dossierEvent, moveDossier, reviewsDossier, type CommitteeDecision, type EvaluationDecision, type EvaluationState } from '../evaluations/evaluation';

/**
 * The committee's decisions on one dossier, pure (issue 9 "Committee"): approve with a grant within
 * the cap, reject with a motivation, waitlist with its reserve-list rank, reopen a decision. The
 * envelope is not here: an approval holds its grant on the call's envelope before it is recorded,
 * the others give money back after (envelope.process.ts).
 */

/** What the ranking says of a dossier the committee decides on: why it is eliminated (empty when it is ranked). */
export interface Standing {
  eliminationReasons: readonly string[];
}

export interface Approve {
  /** Defaults to the dossier's grant cap. */
  grantCents?: number;
  motivation?: string;
  by: string;
}
export interface Reject {
  motivation?: string;
  by: string;
}
export interface Waitlist {
  motivation?: string;
  /** Position on the wave's reserve list (1 = first to be promoted). */
  rank: number;
  by: string;
}
export interface Reopen {
  motivation?: string;
  by: string;
}

/** The applicant reads these (dossier.* events, French notifications) when the committee wrote nothing. */
export const DEFAULT_APPROVAL_MOTIVATION = 'Dossier retenu par le comité de sélection.';
export const defaultWaitlistMotivation = (rank: number) => `Dossier placé sur la liste complémentaire du comité de sélection (rang ${rank}).`;

const isWaitlisted = (state: EvaluationState) => state.stage === 'decided' && state.decision?.kind === 'waitlisted';

/** Approve and reject apply to an evaluated dossier, or to one on the reserve list. */
function undecided(state: EvaluationState, action: string): EvaluationDecision | undefined {
  if (state.stage === 'evaluated' || isWaitlisted(state)) return undefined;
  const now = state.stage === 'decided' && state.decision ? `${state.decision.kind} (reopen it first)` : `at stage ${state.stage}`;
  return wrongStatus(state.stage, `the dossier ${state.number} is ${now}: ${action} only an evaluated or waitlisted dossier`);
}

/**
 * Separation of duties: whoever reviews, reviewed or was assigned a dossier (recused too) never takes
 * or reopens the committee's decision on it, even with a committee role on the call's team.
 */
export function dutyViolations(state: EvaluationState, by: string): Violation[] {
  if (!reviewsDossier(state, by)) return [];
  return [{ name: 'separation-of-duties', detail: `${by} is a reviewer of the dossier ${state.number}: a reviewer of a dossier never decides on it` }];
}

const motivationRequired = (motivation: string | undefined, what: string): Violation[] =>
  motivation?.trim() ? [] : [{ name: 'motivation-required', detail: `say why (${what}): the motivation is sent to the applicant`, pointer: '/motivation' }];

/** Moves the lifecycle and records the decision as the current one and in the history. */
function decide(state: EvaluationState, fact: DossierFact, decision: CommitteeDecision, now: Date): { state: EvaluationState } | { refusal: EvaluationDecision } {
  const moved = moveDossier(state, fact);
  if ('refused' in moved) return { refusal: wrongStatus(state.dossierStatus, moved.refused) };
  return { state: { ...state, stage: 'decided', dossierStatus: moved.status, decision, decisions: [...state.decisions, decision], updatedAt: now } };
}

/** The grant a dossier may get: at most min(requested, rate × eligible cost, call maximum), at least the call minimum. */
export function grantViolations(call: CallSnapshot, state: EvaluationState, grantCents: number): Violation[] {
  const { cofinancing } = call;
  const cap = grantCapCents(cofinancing, state.snapshot.budget);
  const violations: Violation[] = [];
  if (!Number.isSafeInteger(grantCents) || grantCents <= 0) {
    violations.push({ name: 'grant-amount', detail: `a grant is a positive whole number of cents; got ${grantCents}`, pointer: '/grantCents' });
    return violations;
  }
  if (grantCents > cap) {
    violations.push({
      name: 'grant-within-cap',
      detail: `the grant ${euros(grantCents)} exceeds the cap ${euros(cap)}: min(requested ${euros(state.snapshot.budget.requestedGrantCents)}, ${cofinancing.maxStateRateBps / 100} % of the eligible cost ${euros(state.snapshot.budget.eligibleCostCents)}, call maximum ${euros(cofinancing.maxGrantCents)})`,
      pointer: '/grantCents',
    });
  }
  if (grantCents < cofinancing.minGrantCents) {
    violations.push({ name: 'grant-minimum', detail: `the grant ${euros(grantCents)} is below the call's minimum ${euros(cofinancing.minGrantCents)}`, pointer: '/grantCents' });
  }
  return violations;
}

/** The grant an approval asks for: the amount given, else the dossier's cap. */
export const askedGrant = (call: CallSnapshot, state: EvaluationState, command: Pick<Approve, 'grantCents'>): number =>
  command.grantCents ?? grantCapCents(call.cofinancing, state.snapshot.budget);

export function approve(state: EvaluationState, call: CallSnapshot, standing: Standing, command: Approve, now: Date): EvaluationDecision {
  const duty = dutyViolations(state, command.by);
  if (duty.length > 0) return refused(duty);
  const notNow = undecided(state, 'approve');
  if (notNow) return notNow;
  if (standing.eliminationReasons.length > 0) {
    return refused([{ name: 'dossier-eliminated', detail: `the dossier ${state.number} is eliminated (${standing.eliminationReasons.join('; ')}): it can only be rejected` }]);
  }
  const grantCents = askedGrant(call, state, command);
  const violations = grantViolations(call, state, grantCents);
  if (violations.length > 0) return refused(violations);
  const motivation = command.motivation?.trim() || DEFAULT_APPROVAL_MOTIVATION;
  const outcome = decide(state, 'accepted', { kind: 'approved', grantCents, motivation, decidedBy: command.by, decidedAt: now }, now);
  if ('refusal' in outcome) return outcome.refusal;
  const { eligibleCostCents, requestedGrantCents } = state.snapshot.budget;
  return accepted(
    outcome.state,
    // The rate the grant was computed from (the call's maximum State rate): grant ≤ rate × eligible cost.
    dossierEvent(DossierAccepted, state, now, { grantCents, stateRateBps: call.cofinancing.maxStateRateBps, eligibleCostCents, requestedGrantCents, motivation }),
  );
}

export function reject(state: EvaluationState, standing: Standing, command: Reject, now: Date): EvaluationDecision {
  const duty = dutyViolations(state, command.by);
  if (duty.length > 0) return refused(duty);
  const notNow = undecided(state, 'reject');
  if (notNow) return notNow;
  const violations = motivationRequired(command.motivation, 'a rejection');
  if (violations.length > 0) return refused(violations);
  const motivation = command.motivation!.trim();
  const outcome = decide(state, 'rejected', { kind: 'rejected', motivation, decidedBy: command.by, decidedAt: now }, now);
  if ('refusal' in outcome) return outcome.refusal;
  return accepted(outcome.state, dossierEvent(DossierRejected, state, now, { motivation, reasons: [...standing.eliminationReasons], ineligible: false }));
}

export function waitlist(state: EvaluationState, standing: Standing, command: Waitlist, now: Date): EvaluationDecision {
  const duty = dutyViolations(state, command.by);
  if (duty.length > 0) return refused(duty);
  if (state.stage !== 'evaluated') {
    return wrongStatus(state.stage, `the dossier ${state.number} is ${state.decision ? state.decision.kind : `at stage ${state.stage}`}: only an evaluated dossier goes on the reserve list`);
  }
  if (standing.eliminationReasons.length > 0) {
    return refused([{ name: 'dossier-eliminated', detail: `the dossier ${state.number} is eliminated (${standing.eliminationReasons.join('; ')}): it can only be rejected` }]);
  }
  const motivation = command.motivation?.trim() || defaultWaitlistMotivation(command.rank);
  const outcome = decide(state, 'waitlisted', { kind: 'waitlisted', motivation, rank: command.rank, decidedBy: command.by, decidedAt: now }, now);
  if ('refusal' in outcome) return outcome.refusal;
  return accepted(outcome.state, dossierEvent(DossierWaitlisted, state, now, { rank: command.rank, motivation }));
}

/**
 * Reopens the current decision: the dossier is evaluated again (under review for the applicant);
 * the decision stays in the history with who reopened it, when and why.
 */
export function reopen(state: EvaluationState, command: Reopen, now: Date): EvaluationDecision {
  const duty = dutyViolations(state, command.by);
  if (duty.length > 0) return refused(duty);
  const current = state.decision;
  if (state.stage !== 'decided' || !current) {
    return wrongStatus(state.stage, `the dossier ${state.number} has no committee decision to reopen (stage ${state.stage})`);
  }
  const violations = motivationRequired(command.motivation, 'reopening a decision');
  if (violations.length > 0) return refused(violations);
  const motivation = command.motivation!.trim();
  const moved = moveDossier(state, 'decision-reopened');
  if ('refused' in moved) return wrongStatus(state.dossierStatus, moved.refused);
  const reopened: CommitteeDecision = { ...current, reopenedBy: command.by, reopenedAt: now, reopenMotivation: motivation };
  // The current decision is the last of the history (decide appends it).
  const decisions = state.decisions.map((d, i) => (i === state.decisions.length - 1 ? reopened : d));
  return accepted(
    { ...state, stage: 'evaluated', dossierStatus: moved.status, decision: undefined, decisions, updatedAt: now },
    dossierEvent(DossierDecisionReopened, state, now, { reason: motivation }),
  );
}
