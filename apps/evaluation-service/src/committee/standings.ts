import { evaluationSettingsOf, type CallSnapshot } from '@aap/contracts';
import type { EvaluationState } from '../evaluations';
import { normalisationOf, type Normalisation } from '../scoring/scoring';
import { grantCap, rank, type GrantCap, type Ranking, type RankingEntry } from './ranking';

/**
 * A call's evaluations as the committee's pure functions take them (ranking.ts, budget.ts): which
 * ones rank, the call-wide normalisation, a wave's ranking, one dossier's standing. No I/O: the
 * callers read the evaluations (`store.ofCall`) and the call copy.
 */

/** A ranked dossier with its evaluation. */
export interface Entry extends RankingEntry {
  state: EvaluationState;
}

/** Completed (every assigned review in) and neither withdrawn nor paused: evaluated or decided. */
export const isCompleted = (state: EvaluationState) => (state.stage === 'evaluated' || state.stage === 'decided') && state.reviews.length > 0;

export const entryOf = (state: EvaluationState): Entry => ({
  dossierId: state.dossierId,
  number: state.number,
  submittedAt: state.snapshot.submittedAt,
  reviews: state.reviews,
  state,
});

/** Every submitted review of the call (all waves), as eval-design.md "Scores" normalises. */
export const callNormalisation = (evaluations: readonly EvaluationState[]): Normalisation =>
  normalisationOf((sink) => {
    for (const evaluation of evaluations) for (const review of evaluation.reviews) sink(review.reviewerId, review.weightedScore);
  });

/** The ranking of the call's completed evaluations of one wave (every wave when omitted), normalised on the whole call. */
export function rankingOf(call: CallSnapshot, evaluations: readonly EvaluationState[], waveId?: string): Ranking<Entry> {
  const entries = evaluations.filter((e) => isCompleted(e) && (waveId === undefined || e.waveId === waveId)).map(entryOf);
  return rank(entries, evaluationSettingsOf(call), call.scoringGrid, { normalisation: callNormalisation(evaluations) });
}

/**
 * Whether the grid's threshold on the ranking score needs the whole call (the normalised score
 * depends on every review of the call); criterion thresholds and the raw score are the dossier's own.
 */
export const standingNeedsCall = (call: CallSnapshot) => call.scoringGrid.passThreshold !== undefined && evaluationSettingsOf(call).rankBy === 'normalised';

/**
 * Why a completed dossier is eliminated (empty when it ranks). `callEvaluations` is required when
 * `standingNeedsCall(call)`; otherwise its own reviews decide.
 */
export function eliminationReasonsOf(call: CallSnapshot, state: EvaluationState, callEvaluations?: readonly EvaluationState[]): string[] {
  if (!isCompleted(state)) return [];
  const normalisation = callEvaluations ? callNormalisation(callEvaluations) : callNormalisation([state]);
  const ranking = rank([entryOf(state)], evaluationSettingsOf(call), call.scoringGrid, { normalisation });
  return ranking.eliminated[0]?.eliminationReasons ?? [];
}

/** The dossier's position on its wave's reserve list if it were waitlisted now: after the waitlisted dossiers ranked above it. */
export function reserveRankOf(ranking: Ranking<Entry>, dossierId: string): number {
  let ahead = 0;
  for (const row of ranking.ranked) {
    if (row.entry.dossierId === dossierId) break;
    if (row.entry.state.decision?.kind === 'waitlisted') ahead += 1;
  }
  return ahead + 1;
}

export const capOf = (call: CallSnapshot, state: EvaluationState): GrantCap => grantCap(call.cofinancing, state.snapshot.budget);
