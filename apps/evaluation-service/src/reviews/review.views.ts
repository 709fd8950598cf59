import { z } from 'zod';
import { evaluationSettingsOf, RANKING_SCORES, type CallSnapshot } from '@aap/contracts';
import { type Assignment, type EvaluationState, type Review } from '../evaluations/evaluation';
import { evaluationHeader, headerOf } from '../evaluations/evaluation.views';
import { rank } from '../scoring/ranking';
import { disagreementPoints, type Normalisation } from '../scoring/scoring';

/** Scores are shown to 2 decimals; every comparison (ranking, thresholds, flags) uses the unrounded value. */
const shown = (score: number) => Math.round(score * 100) / 100;
const iso = (date: Date) => new Date(date).toISOString();

const reviewLine = z.object({
  /** The reviewer's user id for oversight roles and on the reviewer's own line; `other-1`, `other-2`… (assignment order) for fellow reviewers, never named to each other. */
  reviewer: z.string(),
  name: z.string().optional(),
  self: z.boolean(),
  state: z.enum(['assigned', 'submitted', 'recused']),
  dueAt: z.string().optional(),
  submittedAt: z.string().optional(),
  /** 0–100. */
  weightedScore: z.number().optional(),
  /** Oversight only: the review after the call-wide correction of lenient and harsh reviewers. */
  normalisedScore: z.number().optional(),
  scores: z.array(z.object({ criterionId: z.string(), score: z.number(), comment: z.string() })).optional(),
});

const consolidationView = z.object({
  /** Every assigned reviewer submitted (stage evaluated or later); before that, the reviews so far. */
  complete: z.boolean(),
  reviewCount: z.number(),
  rawScore: z.number(),
  normalisedScore: z.number(),
  rankBy: z.enum(RANKING_SCORES),
  rankingScore: z.number(),
  criterionMeans: z.array(z.object({ criterionId: z.string(), label: z.string(), mean: z.number(), maxScore: z.number(), passThreshold: z.number().optional() })),
  eliminated: z.boolean(),
  eliminationReasons: z.array(z.string()),
  /** max − min of the reviews' weighted scores, and the call's limit above which they disagree. */
  spread: z.number(),
  disagreementLimit: z.number(),
  disagreement: z.boolean(),
  /** The call-wide figures the normalised score was computed with (every submitted review of the call). */
  callMean: z.number(),
  callStdDev: z.number(),
  callReviewCount: z.number(),
});

export const evaluationSheet = evaluationHeader.extend({
  /** What the applicant changed at its last resubmission. */
  changes: z.array(z.string()),
  criteria: z.array(z.object({ criterionId: z.string(), label: z.string(), weight: z.number(), maxScore: z.number(), passThreshold: z.number().optional() })),
  /** True when the others' scores and comments are withheld (a reviewer who has not submitted yet). */
  blind: z.boolean(),
  reviews: z.array(reviewLine),
  /** Oversight roles only, once a review is in. */
  consolidation: consolidationView.optional(),
});
export type EvaluationSheet = z.infer<typeof evaluationSheet>;
type ReviewLine = z.infer<typeof reviewLine>;

/** Who reads the sheet: an oversight role (everything, with the call's normalisation) or the reviewer with this id (blind until they submit). */
export type SheetViewer = { oversight: true; normalisation: Normalisation } | { oversight: false; reviewerId: string };

/**
 * A dossier's evaluation sheet. A reviewer sees their own review (first line), and the others' scores and
 * comments only once their own is submitted (before: how many others there are and whether they
 * submitted), never their names. Oversight roles see every review and the consolidation: raw and
 * normalised scores (normalisation over the whole call), which ranks, criterion means, eliminations
 * and the disagreement flag.
 */
export function toSheet(state: EvaluationState, call: CallSnapshot, viewer: SheetViewer): EvaluationSheet {
  const reviewsBy = new Map(state.reviews.map((review) => [review.reviewerId, review]));
  const own = viewer.oversight ? undefined : state.assignments.find((a) => a.reviewerId === viewer.reviewerId && a.state !== 'recused');
  const blind = !viewer.oversight && own?.state !== 'submitted';

  let others = 0;
  const lines: ReviewLine[] = [];
  for (const assignment of state.assignments) {
    const review = reviewsBy.get(assignment.reviewerId);
    if (viewer.oversight) {
      const normalisedScore = review ? { normalisedScore: shown(viewer.normalisation.normalise(review.reviewerId, review.weightedScore)) } : {};
      lines.push({ ...lineOf(assignment, review, true), reviewer: assignment.reviewerId, name: assignment.name, self: false, ...normalisedScore });
    } else if (assignment === own) {
      lines.unshift({ ...lineOf(assignment, review, true), reviewer: assignment.reviewerId, self: true });
    } else if (assignment.state !== 'recused') {
      others += 1;
      lines.push({ ...lineOf(assignment, review, !blind), reviewer: `other-${others}`, self: false });
    }
  }

  return {
    ...headerOf(state),
    changes: state.changes,
    criteria: call.scoringGrid.criteria.map(({ criterionId, label, weight, maxScore, passThreshold }) => ({ criterionId, label, weight, maxScore, ...(passThreshold !== undefined ? { passThreshold } : {}) })),
    blind,
    reviews: lines,
    ...(viewer.oversight && state.reviews.length > 0 ? { consolidation: consolidationOf(state, call, viewer.normalisation) } : {}),
  };
}

/** One assignment's line; its scores and comments only when `open`. */
function lineOf(assignment: Assignment, review: Review | undefined, open: boolean): Omit<ReviewLine, 'reviewer' | 'self'> {
  return {
    state: assignment.state,
    ...(assignment.state === 'assigned' ? { dueAt: iso(assignment.dueAt) } : {}),
    ...(review ? { submittedAt: iso(review.submittedAt) } : {}),
    ...(review && open ? { weightedScore: shown(review.weightedScore), scores: review.scores.map(({ criterionId, score, comment }) => ({ criterionId, score, comment })) } : {}),
  };
}

/** The dossier scored as the committee's ranking scores it (the same function, on this one dossier). */
function consolidationOf(state: EvaluationState, call: CallSnapshot, norm: Normalisation): z.infer<typeof consolidationView> {
  const settings = evaluationSettingsOf(call);
  const entry = { dossierId: state.dossierId, number: state.number, submittedAt: state.snapshot.submittedAt, reviews: state.reviews };
  const ranking = rank([entry], settings, call.scoringGrid, { normalisation: norm });
  const row = (ranking.ranked[0] ?? ranking.eliminated[0])!;
  return {
    complete: state.completedAt !== undefined,
    reviewCount: state.reviews.length,
    rawScore: shown(row.rawScore),
    normalisedScore: shown(row.normalisedScore),
    rankBy: settings.rankBy,
    rankingScore: shown(row.rankingScore),
    criterionMeans: call.scoringGrid.criteria
      .filter((criterion) => row.criterionMeans[criterion.criterionId] !== undefined)
      .map((criterion) => ({
        criterionId: criterion.criterionId,
        label: criterion.label,
        mean: shown(row.criterionMeans[criterion.criterionId]!),
        maxScore: criterion.maxScore,
        ...(criterion.passThreshold !== undefined ? { passThreshold: criterion.passThreshold } : {}),
      })),
    eliminated: row.eliminated,
    eliminationReasons: row.eliminationReasons,
    spread: shown(row.spread),
    disagreementLimit: shown(disagreementPoints(settings)),
    disagreement: row.disagreement,
    callMean: shown(norm.callMean),
    callStdDev: shown(norm.callStdDev),
    callReviewCount: norm.reviewCount,
  };
}

export const reviewerStatistics = z.object({
  callId: z.string(),
  /** Mean and population standard deviation of every submitted review's weighted score in the call (0–100). */
  callMean: z.number(),
  callStdDev: z.number(),
  reviewCount: z.number(),
  /** How a reviewer is labelled lenient, harsh or neutral. */
  tendencyRule: z.string(),
  reviewers: z.array(
    z.object({
      reviewerId: z.string(),
      name: z.string().optional(),
      reviewCount: z.number(),
      mean: z.number(),
      stdDev: z.number(),
      /** The reviewer's mean minus the call's mean. */
      deviation: z.number(),
      tendency: z.enum(['lenient', 'harsh', 'neutral']),
      /** Their reviews are corrected in the normalised score (≥ 3 reviews and a non-zero spread). */
      normalised: z.boolean(),
    }),
  ),
});
export type ReviewerStatisticsView = z.infer<typeof reviewerStatistics>;

/**
 * `reviewer`: the caller when they review in this call too (in its pool, or with a review in it) — then
 * every other reviewer is `other-1`, `other-2`… without a name (separation of duties: a reviewer never
 * reads fellow reviewers' named scores), their own line as it is.
 */
export function toReviewerStatistics(callId: string, names: ReadonlyMap<string, string>, norm: Normalisation, tendencyRule: string, reviewer?: string): ReviewerStatisticsView {
  let others = 0;
  const identity = (reviewerId: string) =>
    reviewer === undefined || reviewerId === reviewer
      ? { reviewerId, ...(names.has(reviewerId) ? { name: names.get(reviewerId)! } : {}) }
      : { reviewerId: `other-${++others}` };
  return {
    callId,
    callMean: shown(norm.callMean),
    callStdDev: shown(norm.callStdDev),
    reviewCount: norm.reviewCount,
    tendencyRule,
    reviewers: norm.reviewers().map((r) => ({
      ...identity(r.reviewerId),
      reviewCount: r.reviewCount,
      mean: shown(r.mean),
      stdDev: shown(r.stdDev),
      deviation: shown(r.offset),
      tendency: r.tendency,
      normalised: r.normalised,
    })),
  };
}
