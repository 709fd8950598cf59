import type { EvaluationSettings, Violation } from '@aap/contracts';

/**
 * Scores, pure (the service README, "Scores"): a review's checks and weighted score, a dossier's
 * consolidation (raw score, criterion means, eliminations, disagreement) and the call-wide
 * normalisation that corrects lenient and harsh reviewers. No I/O; plain structural inputs, so the
 * stored review objects can be passed as they are.
 */

/** A criterion of the call's grid (the `scoringCriterion` contract, label optional here). */
export interface GridCriterion {
  criterionId: string;
  label?: string;
  weight: number;
  maxScore: number;
  /** On the criterion's 0..maxScore scale: a dossier whose reviewers' mean is below it is eliminated. */
  passThreshold?: number;
}

export interface ScoringGrid {
  criteria: readonly GridCriterion[];
  /** 0–100: a dossier whose ranking score is below it is eliminated (applied at ranking). */
  passThreshold?: number;
}

export interface CriterionScore {
  criterionId: string;
  score: number;
}

/** A criterion's score as a reviewer enters it. */
export interface ScoreInput extends CriterionScore {
  comment: string;
}

/** A submitted review, as far as consolidation and normalisation need it. */
export interface ScoredReview {
  reviewerId: string;
  /** 0–100, `weightedScore(grid, scores)` at submission. */
  weightedScore: number;
  scores: readonly CriterionScore[];
}

/** The grid's bounds on the 0–100 scale (normalised scores are clamped to them). */
export const GRID_MIN = 0;
export const GRID_MAX = 100;
export const GRID_RANGE = GRID_MAX - GRID_MIN;
export const COMMENT_MAX_LENGTH = 2000;
/** A reviewer's scores are normalised (and labelled lenient or harsh) from this many submitted reviews in the call. */
export const MIN_REVIEWS_TO_NORMALISE = 3;
/**
 * A reviewer whose mean is more than this many call standard deviations above the call's mean is
 * `lenient`, below it `harsh`: half a standard deviation is the usual "medium effect" boundary, wide
 * enough that ordinary scatter between reviewers reads as neutral.
 */
export const TENDENCY_THRESHOLD_IN_CALL_STD_DEVS = 0.5;

/** One violation per broken rule; `pointer` names the offending score (`/scores/2/score`). */
export function reviewViolations(grid: ScoringGrid, scores: readonly ScoreInput[]): Violation[] {
  const violations: Violation[] = [];
  const criteria = new Map(grid.criteria.map((criterion) => [criterion.criterionId, criterion]));
  const seen = new Set<string>();
  scores.forEach((entry, index) => {
    const at = `/scores/${index}`;
    const criterion = criteria.get(entry.criterionId);
    if (!criterion) {
      violations.push({ name: 'criterion-unknown', detail: `criterion ${entry.criterionId} is not in the call's grid`, pointer: `${at}/criterionId` });
    } else if (seen.has(entry.criterionId)) {
      violations.push({ name: 'criterion-scored-twice', detail: `criterion ${entry.criterionId} is scored more than once`, pointer: `${at}/criterionId` });
    } else {
      seen.add(entry.criterionId);
      if (!Number.isInteger(entry.score) || entry.score < 0 || entry.score > criterion.maxScore) {
        violations.push({ name: 'score-range', detail: `the score of ${entry.criterionId} is a whole number from 0 to ${criterion.maxScore}; got ${entry.score}`, pointer: `${at}/score` });
      }
    }
    const comment = typeof entry.comment === 'string' ? entry.comment.trim() : '';
    if (comment.length === 0) {
      violations.push({ name: 'comment-required', detail: `say why you gave this score to ${entry.criterionId} (comment)`, pointer: `${at}/comment` });
    } else if (entry.comment.length > COMMENT_MAX_LENGTH) {
      violations.push({ name: 'comment-too-long', detail: `a comment has at most ${COMMENT_MAX_LENGTH} characters; got ${entry.comment.length}`, pointer: `${at}/comment` });
    }
  });
  const missing = grid.criteria.filter((criterion) => !seen.has(criterion.criterionId));
  if (missing.length > 0) {
    violations.push({ name: 'criterion-missing', detail: `every criterion of the grid is scored; missing: ${missing.map((c) => c.criterionId).join(', ')}`, pointer: '/scores' });
  }
  return violations;
}

/** 100 × Σ(wᵢ·sᵢ) / Σ(wᵢ·maxᵢ), on the criteria of the grid (a valid review scores each once). */
export function weightedScore(grid: ScoringGrid, scores: readonly CriterionScore[]): number {
  let weighted = 0;
  let maximum = 0;
  for (const criterion of grid.criteria) {
    maximum += criterion.weight * criterion.maxScore;
    const entry = scores.find((s) => s.criterionId === criterion.criterionId);
    if (entry) weighted += criterion.weight * entry.score;
  }
  return maximum === 0 ? 0 : (GRID_RANGE * weighted) / maximum;
}

export interface Consolidation {
  /** Mean of the reviews' weighted scores (0–100). */
  rawScore: number;
  /** Mean of the reviewers' scores per criterion, on that criterion's 0..maxScore scale. */
  criterionMeans: Record<string, number>;
  /** Eliminated by a criterion threshold (the grid's threshold applies to the ranking score, at ranking). */
  eliminated: boolean;
  eliminationReasons: string[];
  /** max − min of the reviews' weighted scores. */
  spread: number;
  /** The spread exceeds disagreementShareBps of the grid's range. */
  disagreement: boolean;
}

/** Round for display only (2 decimals); every comparison uses the unrounded value. */
export const display = (score: number): string => score.toFixed(2);

/** The share of the grid's range above which reviewers disagree, in points (0–100). */
export const disagreementPoints = (settings: Pick<EvaluationSettings, 'disagreementShareBps'>) => (settings.disagreementShareBps / 10_000) * GRID_RANGE;

const scratchTotals: number[] = [];
const scratchCounts: number[] = [];
const positionsByGrid = new WeakMap<ScoringGrid, Map<string, number>>();
/** Each criterion's position in the grid, computed once per grid object. */
function positionsOf(grid: ScoringGrid): Map<string, number> {
  let positions = positionsByGrid.get(grid);
  if (!positions) {
    positions = new Map(grid.criteria.map((criterion, position) => [criterion.criterionId, position]));
    positionsByGrid.set(grid, positions);
  }
  return positions;
}

/** A dossier's submitted reviews consolidated. Throws without a review: only completed evaluations consolidate. */
export function consolidate(grid: ScoringGrid, reviews: readonly ScoredReview[], settings: Pick<EvaluationSettings, 'disagreementShareBps'>): Consolidation {
  if (reviews.length === 0) throw new Error('a dossier without a submitted review has no score to consolidate');
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const review of reviews) {
    sum += review.weightedScore;
    if (review.weightedScore < min) min = review.weightedScore;
    if (review.weightedScore > max) max = review.weightedScore;
  }
  // One pass over the scores, summed by criterion position (the ranking consolidates 100 000 dossiers).
  // Scratch sums reused across calls (synchronous, reset here): no allocation per dossier.
  const positions = positionsOf(grid);
  const totals = scratchTotals;
  const counts = scratchCounts;
  for (let position = 0; position < grid.criteria.length; position += 1) {
    totals[position] = 0;
    counts[position] = 0;
  }
  for (const review of reviews) {
    for (const entry of review.scores) {
      const position = positions.get(entry.criterionId);
      if (position === undefined) continue;
      totals[position] = totals[position]! + entry.score;
      counts[position] = counts[position]! + 1;
    }
  }
  const criterionMeans: Record<string, number> = {};
  const eliminationReasons: string[] = [];
  for (let position = 0; position < grid.criteria.length; position += 1) {
    if (counts[position] === 0) continue;
    const criterion = grid.criteria[position]!;
    const mean = totals[position]! / counts[position]!;
    criterionMeans[criterion.criterionId] = mean;
    if (criterion.passThreshold !== undefined && mean < criterion.passThreshold) {
      eliminationReasons.push(
        `criterion ${criterion.label ?? criterion.criterionId}: mean score ${display(mean)} is below its pass threshold ${criterion.passThreshold} (out of ${criterion.maxScore})`,
      );
    }
  }
  const spread = max - min;
  return {
    rawScore: sum / reviews.length,
    criterionMeans,
    eliminated: eliminationReasons.length > 0,
    eliminationReasons,
    spread,
    disagreement: spread > disagreementPoints(settings),
  };
}

export type ReviewerTendency = 'lenient' | 'harsh' | 'neutral';

/** A reviewer's statistics over the call (the manager's "who is lenient, who is harsh"). */
export interface ReviewerStatistics {
  reviewerId: string;
  reviewCount: number;
  /** Mean and population standard deviation of the reviewer's weighted scores. */
  mean: number;
  stdDev: number;
  /** mean − the call's mean. */
  offset: number;
  /** See `tendencyOf`. */
  tendency: ReviewerTendency;
  /** Their reviews are normalised (≥ 3 reviews and a non-zero spread); otherwise their raw scores count. */
  normalised: boolean;
}

/**
 * The rule for the label: with fewer than 3 reviews (too few to tell, and not corrected either) or a
 * call without spread, `neutral`; otherwise `lenient` when the reviewer's mean is more than half a
 * call standard deviation above the call's mean, `harsh` when more than half below, else `neutral`.
 */
export function tendencyOf(reviewCount: number, offset: number, callStdDev: number): ReviewerTendency {
  if (reviewCount < MIN_REVIEWS_TO_NORMALISE || callStdDev === 0) return 'neutral';
  const threshold = TENDENCY_THRESHOLD_IN_CALL_STD_DEVS * callStdDev;
  if (offset > threshold) return 'lenient';
  if (offset < -threshold) return 'harsh';
  return 'neutral';
}

export interface Normalisation {
  /** Mean and population standard deviation of every submitted review's weighted score in the call. */
  callMean: number;
  callStdDev: number;
  reviewCount: number;
  /** A review's normalised score: clamp(μ_call + z·σ_call, 0, 100) for a normalised reviewer, else its raw weighted score. */
  normalise(reviewerId: string, weightedScore: number): number;
  /** One row per reviewer, in reviewer id order. */
  reviewers(): ReviewerStatistics[];
}

/** What a review of the whole call contributes to the normalisation. */
export interface CallReview {
  reviewerId: string;
  weightedScore: number;
}

interface Accumulator {
  count: number;
  sum: number;
  squares: number;
  mean: number;
  stdDev: number;
}

/** Calls `sink` once per submitted review of the call; walked twice (means, then deviations). */
export type ReviewVisitor = (sink: (reviewerId: string, weightedScore: number) => void) => void;

/** The call's normalisation from every submitted review of the call (all waves). */
export function normalisation(reviews: readonly CallReview[]): Normalisation {
  return normalisationOf((sink) => {
    for (const review of reviews) sink(review.reviewerId, review.weightedScore);
  });
}

/**
 * The same from a visitor, so a caller holding the reviews inside other objects (the ranking's
 * dossiers) walks them without copying 300 000 of them into one array. Two passes: means, then
 * squared deviations (exact on the hand-worked examples, unlike Σs² − nμ²).
 */
export function normalisationOf(visit: ReviewVisitor): Normalisation {
  const byReviewer = new Map<string, Accumulator>();
  let count = 0;
  let sum = 0;
  visit((reviewerId, score) => {
    let accumulator = byReviewer.get(reviewerId);
    if (!accumulator) {
      accumulator = { count: 0, sum: 0, squares: 0, mean: 0, stdDev: 0 };
      byReviewer.set(reviewerId, accumulator);
    }
    accumulator.count += 1;
    accumulator.sum += score;
    count += 1;
    sum += score;
  });
  const callMean = count === 0 ? 0 : sum / count;
  for (const accumulator of byReviewer.values()) accumulator.mean = accumulator.sum / accumulator.count;
  let callSquares = 0;
  visit((reviewerId, score) => {
    const accumulator = byReviewer.get(reviewerId)!;
    const deviation = score - accumulator.mean;
    accumulator.squares += deviation * deviation;
    const callDeviation = score - callMean;
    callSquares += callDeviation * callDeviation;
  });
  const callStdDev = count === 0 ? 0 : Math.sqrt(callSquares / count);
  for (const accumulator of byReviewer.values()) accumulator.stdDev = Math.sqrt(accumulator.squares / accumulator.count);

  const corrects = (accumulator: Accumulator | undefined): accumulator is Accumulator =>
    accumulator !== undefined && accumulator.count >= MIN_REVIEWS_TO_NORMALISE && accumulator.stdDev > 0;
  return {
    callMean,
    callStdDev,
    reviewCount: count,
    normalise(reviewerId, weightedScore) {
      const accumulator = byReviewer.get(reviewerId);
      if (!corrects(accumulator)) return weightedScore;
      const z = (weightedScore - accumulator.mean) / accumulator.stdDev;
      const score = callMean + z * callStdDev;
      return score < GRID_MIN ? GRID_MIN : score > GRID_MAX ? GRID_MAX : score;
    },
    reviewers() {
      return [...byReviewer.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([reviewerId, accumulator]) => {
          const offset = accumulator.mean - callMean;
          return {
            reviewerId,
            reviewCount: accumulator.count,
            mean: accumulator.mean,
            stdDev: accumulator.stdDev,
            offset,
            tendency: tendencyOf(accumulator.count, offset, callStdDev),
            normalised: corrects(accumulator),
          };
        });
    },
  };
}

/** A dossier's normalised score: the mean of its reviews' normalised scores. */
export function normalisedScore(norm: Normalisation, reviews: readonly CallReview[]): number {
  if (reviews.length === 0) throw new Error('a dossier without a submitted review has no normalised score');
  let sum = 0;
  for (const review of reviews) sum += norm.normalise(review.reviewerId, review.weightedScore);
  return sum / reviews.length;
}
