import { grantCapCents, rateCapCents, type CallRules, type EvaluationSettings } from '@aap/contracts';
import { consolidate, display, normalisationOf, type Consolidation, type Normalisation, type ScoredReview, type ScoringGrid } from './scoring';

/**
 * The committee's ranked list, grant caps and funding proposal, pure (the service README, "Committee").
 * The caller passes the completed, not withdrawn evaluations of one call and wave; `rank` sorts the
 * eligible ones and lists the eliminated ones after them with their reasons.
 */

export interface RankingEntry {
  dossierId: string;
  /** Receipt number (AAP-2026-000012): zero-padded, so string order is number order. */
  number: string;
  /** Receipt time (ISO 8601). */
  submittedAt: string;
  /** The dossier's submitted reviews. */
  reviews: readonly ScoredReview[];
}

export type RankBy = EvaluationSettings['rankBy'];

export interface ScoredRow<E extends RankingEntry = RankingEntry> extends Consolidation {
  entry: E;
  /** 1-based position in the ranked list; null for an eliminated dossier. */
  rank: number | null;
  normalisedScore: number;
  /** The score that ranks (`rankBy`), and the other one (first tie-break). */
  rankingScore: number;
  otherScore: number;
  /** The two scores as compared (see `scoreKey`). */
  rankingKey: number;
  otherKey: number;
  /** submittedAt in epoch ms (a tie-break): compared as instants, not as strings with offsets. */
  receivedAtMs: number;
}

/**
 * A score as compared: in units of 10⁻⁹ point. Scores are compared unrounded for the committee's
 * purposes (display rounds to 2 decimals), but a mean summed in another order differs in its last
 * bits; at 10⁻⁹ that noise is gone, so the ranking and the threshold do not depend on input order.
 */
export const scoreKey = (score: number): number => Math.round(score * 1e9);

export interface Ranking<E extends RankingEntry = RankingEntry> {
  rankBy: RankBy;
  /** How ties are broken, for the ranked list's readers. */
  tieBreak: string;
  ranked: ScoredRow<E>[];
  /** Eliminated by a criterion threshold or the grid's threshold, in the same order; never funded. */
  eliminated: ScoredRow<E>[];
  normalisation: Normalisation;
}

export const tieBreakOf = (rankBy: RankBy): string => {
  const other = rankBy === 'normalised' ? 'raw' : 'normalised';
  return `${rankBy} score descending; on a tie the ${other} score descending, then the earlier receipt (submittedAt), then the dossier number ascending`;
};

/**
 * The order, total and deterministic: ranking score desc, the other score desc, earlier receipt,
 * number asc, and last the dossier id (numbers are unique; the id only keeps the order total on
 * inputs that break that). Scores compared to 10⁻⁹ (`scoreKey`).
 */
export function compareRows(a: ScoredRow, b: ScoredRow): number {
  if (a.rankingKey !== b.rankingKey) return b.rankingKey - a.rankingKey;
  if (a.otherKey !== b.otherKey) return b.otherKey - a.otherKey;
  if (a.receivedAtMs !== b.receivedAtMs) return a.receivedAtMs - b.receivedAtMs;
  const na = a.entry.number;
  const nb = b.entry.number;
  if (na !== nb) return na < nb ? -1 : 1;
  const da = a.entry.dossierId;
  const db = b.entry.dossierId;
  return da === db ? 0 : da < db ? -1 : 1;
}

export interface RankOptions {
  /**
   * The call's normalisation, from every submitted review of the CALL (all waves). Without it, it is
   * computed from the entries' reviews: right when the entries are the whole call.
   */
  normalisation?: Normalisation;
}

/** Ranks one call and wave's completed evaluations; each entry needs at least one review (throws otherwise). */
export function rank<E extends RankingEntry>(
  entries: readonly E[],
  settings: Pick<EvaluationSettings, 'rankBy' | 'disagreementShareBps'>,
  grid: ScoringGrid,
  options: RankOptions = {},
): Ranking<E> {
  const norm =
    options.normalisation ??
    normalisationOf((sink) => {
      for (const entry of entries) for (const review of entry.reviews) sink(review.reviewerId, review.weightedScore);
    });
  const byNormalised = settings.rankBy === 'normalised';
  const threshold = grid.passThreshold;
  const thresholdKey = threshold === undefined ? undefined : scoreKey(threshold);
  // Hot loop over 100 000 dossiers: the sort keys go to typed arrays and an index array is sorted
  // (one monomorphic comparator, no property lookups on rows); the rows are built with one shape.
  const count = entries.length;
  const rows: ScoredRow<E>[] = new Array(count);
  const rankingKeys = new Float64Array(count);
  const otherKeys = new Float64Array(count);
  const receivedAt = new Float64Array(count);
  const rankedIndices: number[] = [];
  const eliminatedIndices: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const entry = entries[i]!;
    const consolidation = consolidate(grid, entry.reviews, settings);
    let normalisedSum = 0;
    for (const review of entry.reviews) normalisedSum += norm.normalise(review.reviewerId, review.weightedScore);
    const normalisedScore = normalisedSum / entry.reviews.length;
    const rankingScore = byNormalised ? normalisedScore : consolidation.rawScore;
    const otherScore = byNormalised ? consolidation.rawScore : normalisedScore;
    const rankingKey = scoreKey(rankingScore);
    const otherKey = scoreKey(otherScore);
    const parsed = Date.parse(entry.submittedAt);
    // An unreadable receipt time sorts last among equals rather than breaking the order.
    const receivedAtMs = Number.isNaN(parsed) ? Number.MAX_SAFE_INTEGER : parsed;
    const belowGrid = thresholdKey !== undefined && rankingKey < thresholdKey;
    if (belowGrid) consolidation.eliminationReasons.push(`${settings.rankBy} score ${display(rankingScore)} is below the call's pass threshold ${threshold}`);
    const eliminated = consolidation.eliminated || belowGrid;
    rows[i] = {
      entry,
      rank: null,
      rawScore: consolidation.rawScore,
      normalisedScore,
      rankingScore,
      otherScore,
      criterionMeans: consolidation.criterionMeans,
      eliminated,
      eliminationReasons: consolidation.eliminationReasons,
      spread: consolidation.spread,
      disagreement: consolidation.disagreement,
      rankingKey,
      otherKey,
      receivedAtMs,
    };
    rankingKeys[i] = rankingKey;
    otherKeys[i] = otherKey;
    receivedAt[i] = receivedAtMs;
    (eliminated ? eliminatedIndices : rankedIndices).push(i);
  }
  // The same order as compareRows, on the typed arrays.
  const byIndex = (a: number, b: number): number => {
    const ka = rankingKeys[a]!;
    const kb = rankingKeys[b]!;
    if (ka !== kb) return kb - ka;
    const oa = otherKeys[a]!;
    const ob = otherKeys[b]!;
    if (oa !== ob) return ob - oa;
    const ta = receivedAt[a]!;
    const tb = receivedAt[b]!;
    if (ta !== tb) return ta - tb;
    return compareRows(rows[a]!, rows[b]!);
  };
  rankedIndices.sort(byIndex);
  eliminatedIndices.sort(byIndex);
  const ranked: ScoredRow<E>[] = new Array(rankedIndices.length);
  for (let i = 0; i < rankedIndices.length; i += 1) {
    const row = rows[rankedIndices[i]!]!;
    row.rank = i + 1;
    ranked[i] = row;
  }
  const eliminated = eliminatedIndices.map((i) => rows[i]!);
  return { rankBy: settings.rankBy, tieBreak: tieBreakOf(settings.rankBy), ranked, eliminated, normalisation: norm };
}

export interface GrantCap {
  /** min(requested, floor(rate × eligible cost), call maximum), integer cents. */
  capCents: number;
  /** floor(maxStateRateBps × eligibleCostCents / 10 000). */
  rateCapCents: number;
  /** The cap reaches the call's minimum grant. */
  fundable: boolean;
  reason?: string;
}

export type Cofinancing = Pick<CallRules['cofinancing'], 'maxStateRateBps' | 'minGrantCents' | 'maxGrantCents'>;
export interface DossierBudget {
  requestedGrantCents: number;
  eligibleCostCents: number;
}

/** The most a dossier can be granted under its call's cofinancing rules. */
export function grantCap(cofinancing: Cofinancing, budget: DossierBudget): GrantCap {
  // The one grant arithmetic of the platform (libs/contracts call-eligibility), shared with submission.
  const rateCap = rateCapCents(cofinancing, budget.eligibleCostCents);
  const capCents = grantCapCents(cofinancing, budget);
  if (capCents < cofinancing.minGrantCents) {
    return {
      capCents,
      rateCapCents: rateCap,
      fundable: false,
      reason: `the grant cap (${capCents} cents: min of requested ${budget.requestedGrantCents}, ${cofinancing.maxStateRateBps / 100} % of the eligible cost ${rateCap}, call maximum ${cofinancing.maxGrantCents}) is below the call's minimum grant (${cofinancing.minGrantCents} cents)`,
    };
  }
  return { capCents, rateCapCents: rateCap, fundable: true };
}

/** A ranked dossier as the proposal needs it: its grant cap, and what it already holds on the envelope. */
export interface ProposalCandidate {
  capCents: number;
  fundable: boolean;
  reason?: string;
  /** Already approved: the amount it holds on the envelope (part of `committedCents`, not subtracted again). */
  heldCents?: number;
}

export type ProposedDecision = 'approve' | 'waitlist' | 'reject';

export interface ProposalRow<R extends ProposalCandidate> {
  row: R;
  proposal: ProposedDecision;
  /** What an approval grants: the cap, or what an approved dossier already holds; 0 otherwise. */
  proposedGrantCents: number;
  /** The call's remaining envelope after this row. */
  remainingCents: number;
  reason?: string;
}

export interface Proposal<R extends ProposalCandidate> {
  rows: ProposalRow<R>[];
  /** Newly proposed approvals (not counting what approved dossiers already hold). */
  proposedCents: number;
  remainingCents: number;
}

/**
 * Walks the ranking in order with remaining = envelope − committed (call-wide): a fundable dossier
 * whose cap fits (and within maxWinners) is proposed for approval and its cap subtracted; the first
 * one that does not fit ends the funded part, the rest is the waitlist in rank order. A dossier
 * whose cap is below the call's minimum is proposed for rejection with its reason.
 */
export function propose<R extends ProposalCandidate>(
  ranked: readonly R[],
  budget: { envelopeCents: number; committedCents: number; maxWinners?: number },
): Proposal<R> {
  let remaining = Math.max(0, budget.envelopeCents - budget.committedCents);
  let winners = 0;
  let funding = true;
  let proposedCents = 0;
  const rows: ProposalRow<R>[] = [];
  for (const row of ranked) {
    if (row.heldCents !== undefined && row.heldCents > 0) {
      winners += 1;
      rows.push({ row, proposal: 'approve', proposedGrantCents: row.heldCents, remainingCents: remaining, reason: 'already approved' });
      continue;
    }
    if (!row.fundable) {
      rows.push({ row, proposal: 'reject', proposedGrantCents: 0, remainingCents: remaining, ...(row.reason ? { reason: row.reason } : {}) });
      continue;
    }
    if (funding && budget.maxWinners !== undefined && winners >= budget.maxWinners) funding = false;
    if (funding && row.capCents > remaining) funding = false;
    if (!funding) {
      rows.push({ row, proposal: 'waitlist', proposedGrantCents: 0, remainingCents: remaining });
      continue;
    }
    remaining -= row.capCents;
    proposedCents += row.capCents;
    winners += 1;
    rows.push({ row, proposal: 'approve', proposedGrantCents: row.capCents, remainingCents: remaining });
  }
  return { rows, proposedCents, remainingCents: remaining };
}
