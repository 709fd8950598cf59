import { evaluationSettingsOf, type CallSnapshot } from '@aap/contracts';
import type { EvaluationState } from '../evaluations';
import type { WaitlistedCandidate } from './envelope';
import { normalisationOf, type Normalisation } from '../scoring/scoring';
import { grantCap, rank, type GrantCap, type Ranking } from '../scoring/ranking';
import { isCompleted, scoreEntryOf, type ScoreEntry } from './scoreboard';

/**
 * A call's completed evaluations as the committee's pure functions take them (scoring/ranking.ts, envelope.ts):
 * a wave's ranking, one dossier's standing. No I/O: the callers read the scoreboard's entries
 * (scoreboard.projection.ts), the call's normalisation (the reviews' score projection) and the call copy.
 */

/** A ranked dossier: its scoreboard entry. */
export type Entry = ScoreEntry;

export { isCompleted };

/** The ranking of these completed evaluations (a wave's, or the call's), normalised on the whole call. */
export function rankingOf(call: CallSnapshot, entries: readonly Entry[], normalisation: Normalisation): Ranking<Entry> {
  return rank(entries, evaluationSettingsOf(call), call.scoringGrid, { normalisation });
}

/**
 * Whether the grid's threshold on the ranking score needs the whole call (the normalised score
 * depends on every review of the call); criterion thresholds and the raw score are the dossier's own.
 */
export const standingNeedsCall = (call: CallSnapshot) => call.scoringGrid.passThreshold !== undefined && evaluationSettingsOf(call).rankBy === 'normalised';

/**
 * Why a completed dossier is eliminated (empty when it ranks). The call's `normalisation` is required
 * when `standingNeedsCall(call)`; otherwise its own reviews decide.
 */
export function eliminationReasonsOf(call: CallSnapshot, state: EvaluationState, normalisation?: Normalisation): string[] {
  if (!isCompleted(state)) return [];
  const own = normalisation ?? normalisationOf((sink) => state.reviews.forEach((review) => sink(review.reviewerId, review.weightedScore)));
  return rankingOf(call, [scoreEntryOf(state)], own).eliminated[0]?.eliminationReasons ?? [];
}

/**
 * The wave's entries with this dossier's as it is now: the scoreboard follows events a consumer hop
 * later, and a decision on a dossier just completed must not be ranked without it.
 */
export const withCurrent = (entries: readonly ScoreEntry[], state: EvaluationState): ScoreEntry[] => [...entries.filter((e) => e.dossierId !== state.dossierId), scoreEntryOf(state)];

/** The dossier's position on its wave's reserve list if it were waitlisted now: after the waitlisted dossiers ranked above it. */
export function reserveRankOf(ranking: Ranking<Entry>, dossierId: string): number {
  let ahead = 0;
  for (const row of ranking.ranked) {
    if (row.entry.dossierId === dossierId) break;
    if (row.entry.decision?.kind === 'waitlisted') ahead += 1;
  }
  return ahead + 1;
}

export const capOf = (call: CallSnapshot, entry: Pick<Entry, 'requestedGrantCents' | 'eligibleCostCents'>): GrantCap => grantCap(call.cofinancing, entry);

/** The port the committee takes for the call-wide normalisation (the reviews' score projection). */
export interface CallNormalisation {
  /** The call's normalisation from every submitted review of the call, all waves. */
  normalisation(callId: string): Promise<Normalisation>;
}

/** The call's waitlisted dossiers, best first (`entries`: the call's scoreboard, every wave; normalised on the call). */
export function waitlistOf(call: CallSnapshot, entries: readonly Entry[], normalisation: Normalisation): WaitlistedCandidate[] {
  return rankingOf(call, entries, normalisation)
    .ranked.filter((row) => row.entry.decision?.kind === 'waitlisted')
    .map(({ entry }) => ({ dossierId: entry.dossierId, number: entry.number, waveId: entry.waveId, ...capOf(call, entry) }));
}
