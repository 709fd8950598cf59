import { accepted, evaluationSettingsOf, EvaluationCompleted, EvaluationReviewSubmitted, refused, wrongStatus, type CallSnapshot } from '@aap/contracts';
import { consolidate, reviewViolations, weightedScore, type ScoreInput } from '../scoring/scoring';
import { dossierEvent, wrongStage, type EvaluationDecision, type EvaluationState, type Review } from '../evaluations/evaluation';

/**
 * Blind scoring, pure: an assigned reviewer scores every criterion of the call's grid once (no
 * revising after seeing the others), and the last review due completes the evaluation in the same
 * write (raw score, criterion-threshold eliminations, disagreement). The formulas are the scoring
 * core's (scoring/scoring.ts); this file only applies them to the aggregate.
 */

export interface SubmitReview {
  reviewerId: string;
  scores: ScoreInput[];
}

/** The assigned reviewer's review, and the evaluation's completion when it was the last one due. */
export function submitReview(state: EvaluationState, call: CallSnapshot, command: SubmitReview, now: Date): EvaluationDecision {
  if (state.stage !== 'in-review') return wrongStage(state, 'a review may be submitted', ['in-review']);
  const assignment = state.assignments.find((a) => a.reviewerId === command.reviewerId && a.state !== 'recused');
  if (!assignment) return wrongStatus('not-assigned', `reviewer ${command.reviewerId} holds no assignment on dossier ${state.number}`);
  if (assignment.state === 'submitted') {
    // Blind review: a reviewer who has seen the others' scores may not revise their own.
    return wrongStatus('submitted', `reviewer ${command.reviewerId} already submitted a review of dossier ${state.number}; a submitted review is final`);
  }
  const violations = reviewViolations(call.scoringGrid, command.scores);
  if (violations.length > 0) return refused(violations);

  const scores = command.scores.map((s) => ({ criterionId: s.criterionId, score: s.score, comment: s.comment.trim() }));
  const review: Review = { reviewerId: command.reviewerId, scores, weightedScore: weightedScore(call.scoringGrid, scores), submittedAt: now };
  const reviewed: EvaluationState = {
    ...state,
    assignments: state.assignments.map((a) => (a === assignment ? { ...a, state: 'submitted' as const } : a)),
    reviews: [...state.reviews, review],
    updatedAt: now,
  };
  // Comments stay in the aggregate: the event carries the scores only.
  const submitted = dossierEvent(EvaluationReviewSubmitted, state, now, {
    reviewerId: review.reviewerId,
    weightedScore: review.weightedScore,
    scores: scores.map(({ criterionId, score }) => ({ criterionId, score })),
  });
  const completion = completeIfReviewed(reviewed, call, now);
  if (completion.outcome !== 'accepted') return completion;
  return accepted(completion.state, submitted, ...completion.events);
}

/** Reviewers the dossier still lacks: the call's reviewersPerDossier minus the assignments not recused. */
export const missingReviewers = (state: EvaluationState, call: Pick<CallSnapshot, 'reviewersPerDossier'>): number =>
  Math.max(0, call.reviewersPerDossier - state.assignments.filter((a) => a.state !== 'recused').length);

/**
 * In review, every assignment not recused submitted and no reviewer missing → evaluated, with
 * evaluation.completed (raw score, eliminations by criterion threshold, disagreement). Otherwise the
 * state as it is. Exported for the slices that change assignments (a recusal, a manager completing).
 */
export function completeIfReviewed(state: EvaluationState, call: CallSnapshot, now: Date): EvaluationDecision {
  const active = state.assignments.filter((a) => a.state !== 'recused');
  if (state.stage !== 'in-review' || active.length === 0 || missingReviewers(state, call) > 0 || active.some((a) => a.state !== 'submitted')) return accepted(state);
  const reviews = state.reviews.filter((r) => active.some((a) => a.reviewerId === r.reviewerId));
  const consolidation = consolidate(call.scoringGrid, reviews, evaluationSettingsOf(call));
  return accepted(
    { ...state, stage: 'evaluated', completedAt: now, updatedAt: now },
    dossierEvent(EvaluationCompleted, state, now, {
      rawScore: consolidation.rawScore,
      reviewCount: reviews.length,
      eliminated: consolidation.eliminated,
      eliminationReasons: consolidation.eliminationReasons,
      disagreement: consolidation.disagreement,
    }),
  );
}
