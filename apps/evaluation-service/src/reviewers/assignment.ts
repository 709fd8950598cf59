import { createHash } from 'node:crypto';
import {
  accepted,
  emit,
  evaluationSettingsOf,
  EvaluationConflictDeclared,
  EvaluationReviewDueSoon,
  EvaluationReviewersAssigned,
  wrongStatus,
  type DossierApplicant,
  type CallSnapshot,
} from '@aap/contracts';
import { referenceOf, wrongStage, type AssignmentCause, type Assignment, type EvaluationDecision, type EvaluationStage, type EvaluationState } from '../evaluations/evaluation';
import { withoutConflicts, type Conflict, type ConflictSettings } from './conflicts';
import { loadsFor, type PoolReviewer, type PoolState } from './pool';

/**
 * Reviewer assignment, pure: an evaluation in review gets the reviewers it lacks (the call's
 * reviewersPerDossier minus its assignments not recused), never a reviewer in conflict with the
 * applicant nor one who recused on it (conflicts.ts), the least loaded first. Ties are broken by a stable hash of
 * dossier id + reviewer id (so the same reviewer does not win every tie of the call), then by reviewer
 * id: the same inputs always give the same reviewers. It never refuses for lack of reviewers: the
 * event says how many are missing.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Where reviewers work on a dossier: in review, or paused for a complement (they keep their assignment). */
export const REVIEWING_STAGES = ['in-review', 'complement-requested'] as const satisfies readonly EvaluationStage[];
const isReviewing = (state: EvaluationState) => (REVIEWING_STAGES as readonly EvaluationStage[]).includes(state.stage);

/** A stable number for a (dossier, reviewer) pair: spreads the ties of equal loads over the pool. */
export function tieBreak(dossierId: string, reviewerId: string): number {
  return parseInt(createHash('sha256').update(`${dossierId}\u0000${reviewerId}`).digest('hex').slice(0, 12), 16);
}

export interface Choice {
  chosen: PoolReviewer[];
  /** Candidates left out for a conflict of interest, with the reasons. */
  conflicts: Conflict[];
  /** Reviewers still lacking after this choice. */
  missing: number;
}

/**
 * The `need` reviewers for one dossier among the active pool: without conflicts and without the
 * reviewers in `excluded` (already assigned, or recused), fewest open assignments first.
 */
export function chooseReviewers(input: {
  dossierId: string;
  applicant: DossierApplicant;
  need: number;
  pool: readonly PoolReviewer[];
  loads: ReadonlyMap<string, number>;
  excluded: ReadonlySet<string>;
  settings: ConflictSettings;
}): Choice {
  const { candidates, conflicts } = withoutConflicts(input.pool, input.applicant, input.settings, input.excluded);
  const keyed = candidates.map((reviewer) => ({ reviewer, load: input.loads.get(reviewer.reviewerId) ?? 0, tie: tieBreak(input.dossierId, reviewer.reviewerId) }));
  keyed.sort((a, b) => a.load - b.load || a.tie - b.tie || (a.reviewer.reviewerId < b.reviewer.reviewerId ? -1 : a.reviewer.reviewerId > b.reviewer.reviewerId ? 1 : 0));
  const need = Math.max(0, input.need);
  const chosen = keyed.slice(0, need).map((k) => k.reviewer);
  return { chosen, conflicts, missing: need - chosen.length };
}

/** Assignments that count towards reviewersPerDossier: every one not recused (a submitted review counts). */
export const activeAssignments = (state: EvaluationState) => state.assignments.filter((a) => a.state !== 'recused');

/**
 * The reviewers whose load this dossier adds to: its assignments still open, while it is being
 * reviewed (a withdrawn or decided dossier weighs on nobody).
 */
export function openAssignees(state: EvaluationState): string[] {
  return isReviewing(state) ? state.assignments.filter((a) => a.state === 'assigned').map((a) => a.reviewerId) : [];
}

/** Gives the evaluation the reviewers it lacks from the call's pool; `evaluation.reviewers-assigned` says who, and how many are missing. */
export function assignReviewers(state: EvaluationState, call: CallSnapshot, pool: PoolState, cause: AssignmentCause, now: Date): EvaluationDecision {
  if (!isReviewing(state)) return wrongStage(state, 'reviewers are assigned', REVIEWING_STAGES);
  const need = call.reviewersPerDossier - activeAssignments(state).length;
  if (need <= 0) return accepted(state);
  const settings = evaluationSettingsOf(call);
  const { chosen, missing } = chooseReviewers({
    dossierId: state.dossierId,
    applicant: state.snapshot.applicant,
    need,
    pool: pool.reviewers,
    loads: loadsFor(pool, state.dossierId),
    // Anyone already on the dossier, recused ones included: a reviewer who declared a conflict never comes back.
    excluded: new Set(state.assignments.map((a) => a.reviewerId)),
    settings,
  });
  const dueAt = new Date(now.getTime() + settings.reviewDays * DAY_MS);
  const added: Assignment[] = chosen.map((r) => ({ reviewerId: r.reviewerId, name: r.name, email: r.email, assignedAt: now, dueAt, state: 'assigned' }));
  return accepted(
    { ...state, assignments: [...state.assignments, ...added], updatedAt: now },
    emit(EvaluationReviewersAssigned, {
      ...referenceOf(state),
      at: now.toISOString(),
      reviewers: added.map((a) => ({ reviewerId: a.reviewerId, name: a.name, email: a.email, dueAt: dueAt.toISOString() })),
      missing,
      cause,
    }),
  );
}

/** The assigned reviewer declares a conflict of interest: the assignment ends (a replacement is assigned in the same write). */
export function declareConflict(state: EvaluationState, reviewerId: string, reason: string, now: Date): EvaluationDecision {
  if (!isReviewing(state)) return wrongStage(state, 'a conflict of interest is declared', REVIEWING_STAGES);
  const assignment = state.assignments.find((a) => a.reviewerId === reviewerId && a.state !== 'recused');
  if (!assignment) return wrongStatus('not-assigned', `reviewer ${reviewerId} holds no assignment on dossier ${state.number}`);
  if (assignment.state !== 'assigned') return wrongStatus(assignment.state, `the review of dossier ${state.number} is already ${assignment.state}: a conflict is declared before scoring`);
  return accepted(
    { ...state, assignments: state.assignments.map((a) => (a === assignment ? { ...a, state: 'recused' as const, recusalReason: reason } : a)), updatedAt: now },
    emit(EvaluationConflictDeclared, { ...referenceOf(state), at: now.toISOString(), reviewerId }),
  );
}

/** When the deadline reminder of an assignment is due: `reminderDaysBefore` days before its deadline. */
export const reminderDueAt = (dueAt: Date, reminderDaysBefore: number) => new Date(new Date(dueAt).getTime() - reminderDaysBefore * DAY_MS);

/**
 * The deadline reminder of one open assignment, once: recorded on the assignment (`remindedAt`) with
 * `evaluation.review-due-soon`. Unchanged when it is not due, already sent, or the review is no longer
 * open (submitted, recused, dossier paused or withdrawn).
 */
export function remindReviewer(state: EvaluationState, reviewerId: string, reminderDaysBefore: number, now: Date): EvaluationDecision {
  const assignment = state.assignments.find((a) => a.reviewerId === reviewerId && a.state === 'assigned');
  if (state.stage !== 'in-review' || !assignment || assignment.remindedAt || now < reminderDueAt(assignment.dueAt, reminderDaysBefore)) return accepted(state);
  return accepted(
    { ...state, assignments: state.assignments.map((a) => (a === assignment ? { ...a, remindedAt: now } : a)), updatedAt: now },
    emit(EvaluationReviewDueSoon, { ...referenceOf(state), at: now.toISOString(), reviewerId, name: assignment.name, email: assignment.email, dueAt: new Date(assignment.dueAt).toISOString() }),
  );
}
