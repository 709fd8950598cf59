import type { CommitteeDecision, EvaluationState } from '../evaluations';
import type { RankingEntry } from '../scoring/ranking';

/**
 * The committee's scoreboard, pure: what the ranking needs of one completed evaluation (a
 * `ScoreEntry`), and how it is stored — one compact line per dossier, lines joined by newlines in a
 * bounded number of buckets per call and wave (scoreboard.projection.ts). The ranked list, its CSV, the
 * reserve rank and the waitlist promotion read these entries instead of every evaluation of the call.
 */

/** An evaluation's current decision as the ranked list shows it (dates as ISO 8601). */
export interface DecisionView {
  kind: CommitteeDecision['kind'];
  grantCents?: number;
  motivation: string;
  rank?: number;
  decidedBy: string;
  decidedAt: string;
  reopenedBy?: string;
  reopenedAt?: string;
  reopenMotivation?: string;
}

const iso = (date: Date | string) => new Date(date).toISOString();

export function decisionView(decision: CommitteeDecision | DecisionView): DecisionView {
  return {
    kind: decision.kind,
    motivation: decision.motivation,
    decidedBy: decision.decidedBy,
    decidedAt: iso(decision.decidedAt),
    ...(decision.grantCents !== undefined ? { grantCents: decision.grantCents } : {}),
    ...(decision.rank !== undefined ? { rank: decision.rank } : {}),
    ...(decision.reopenedAt ? { reopenedBy: decision.reopenedBy!, reopenedAt: iso(decision.reopenedAt), reopenMotivation: decision.reopenMotivation! } : {}),
  };
}

/** A completed evaluation (evaluated or decided, not withdrawn, not paused) as the ranking takes it. */
export interface ScoreEntry extends RankingEntry {
  waveId: string;
  applicant: string;
  organisationId: string;
  title: string;
  requestedGrantCents: number;
  eligibleCostCents: number;
  decision: DecisionView | null;
}

/** Completed (every assigned review in) and neither withdrawn nor paused: evaluated or decided. */
export const isCompleted = (state: EvaluationState) => (state.stage === 'evaluated' || state.stage === 'decided') && state.reviews.length > 0;

/** The ranking inputs of an evaluation (its reviews without their comments). */
export const scoreEntryOf = (state: EvaluationState): ScoreEntry => ({
  dossierId: state.dossierId,
  number: state.number,
  waveId: state.waveId,
  submittedAt: state.snapshot.submittedAt,
  reviews: state.reviews.map(({ reviewerId, weightedScore, scores }) => ({ reviewerId, weightedScore, scores: scores.map(({ criterionId, score }) => ({ criterionId, score })) })),
  applicant: state.snapshot.applicant.name,
  organisationId: state.organisationId,
  title: state.snapshot.project.title,
  requestedGrantCents: state.snapshot.budget.requestedGrantCents,
  eligibleCostCents: state.snapshot.budget.eligibleCostCents,
  decision: state.decision ? decisionView(state.decision) : null,
});

/** Buckets per call and wave: a write rewrites 1/64 of a wave (≈ 160 lines at 10 000 dossiers). */
export const SCOREBOARD_BUCKETS = 64;

/** FNV-1a of the dossier id, mod the bucket count: stable across processes and releases. */
export function bucketOf(dossierId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < dossierId.length; i += 1) {
    hash ^= dossierId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % SCOREBOARD_BUCKETS;
}

export const bucketId = (callId: string, waveId: string, bucket: number) => `${callId}:${waveId}:${bucket}`;

/**
 * One dossier's line: a JSON array by position (JSON escapes newlines inside strings, so a newline
 * only ever separates lines). `[dossierId, version]` alone is a tombstone: the evaluation at that
 * version does not rank (withdrawn, paused for a complement, reopened into review...) — kept so a late
 * rebuild from an older version never brings it back. Otherwise:
 * `[dossierId, version, number, submittedAt, applicant, organisationId, title, requested, eligible,
 *   [criterionId…], [[reviewerId, weightedScore, score per criterion…]…], decision | 0]`.
 * Scores are kept per review (integers), so the ranking's consolidation is exactly the evaluation's.
 */
type Line = [string, number, ...unknown[]];

export function lineOf(state: EvaluationState): string {
  if (!isCompleted(state)) return JSON.stringify([state.dossierId, state.version]);
  const entry = scoreEntryOf(state);
  const criteria = [...new Set(entry.reviews.flatMap((r) => r.scores.map((s) => s.criterionId)))];
  const reviews = entry.reviews.map((r) => [r.reviewerId, r.weightedScore, ...criteria.map((c) => r.scores.find((s) => s.criterionId === c)?.score ?? null)]);
  return JSON.stringify([entry.dossierId, state.version, entry.number, entry.submittedAt, entry.applicant, entry.organisationId, entry.title, entry.requestedGrantCents, entry.eligibleCostCents, criteria, reviews, entry.decision ?? 0]);
}

const prefixOf = (dossierId: string) => `[${JSON.stringify(dossierId)},`;

/**
 * The bucket's lines with the dossier's line replaced by `line` — unchanged (the same string) when the
 * bucket already holds it or a line from a later version of the evaluation (a redelivered or late event).
 */
export function withLine(lines: string, dossierId: string, line: string): string {
  const all = lines === '' ? [] : lines.split('\n');
  const prefix = prefixOf(dossierId);
  const at = all.findIndex((l) => l.startsWith(prefix));
  if (at === -1) return lines === '' ? line : `${lines}\n${line}`;
  const stored = all[at]!;
  if (stored === line || (JSON.parse(stored) as Line)[1] > (JSON.parse(line) as Line)[1]) return lines;
  all[at] = line;
  return all.join('\n');
}

/**
 * THE decoding of a bucket's lines into ranking entries (tombstones skipped): one JSON.parse per
 * bucket. Every reader of the scoreboard goes through it.
 */
export function entriesOf(lines: string, waveId: string, into: ScoreEntry[] = []): ScoreEntry[] {
  if (lines === '') return into;
  for (const line of JSON.parse(`[${lines.replaceAll('\n', ',')}]`) as Line[]) {
    if (line.length === 2) continue;
    const [dossierId, , number, submittedAt, applicant, organisationId, title, requestedGrantCents, eligibleCostCents, criteria, reviews, decision] = line as [
      string, number, string, string, string, string, string, number, number, string[], Array<[string, number, ...Array<number | null>]>, DecisionView | 0,
    ];
    into.push({
      dossierId,
      number,
      waveId,
      submittedAt,
      applicant,
      organisationId,
      title,
      requestedGrantCents,
      eligibleCostCents,
      reviews: reviews.map(([reviewerId, weightedScore, ...scores]) => ({
        reviewerId,
        weightedScore,
        scores: criteria.flatMap((criterionId, i) => (scores[i] === null || scores[i] === undefined ? [] : [{ criterionId, score: scores[i]! }])),
      })),
      decision: decision === 0 ? null : decision,
    });
  }
  return into;
}
