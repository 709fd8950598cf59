import { describe, expect, it } from 'vitest';
import { openEvaluation, type EvaluationState, type Review } from '../evaluations/evaluation';
import { normalisationOf } from '../scoring/scoring';
import { testCall, testDossier } from '../testing/fixtures';
import { bucketOf, entriesOf, lineOf, scoreEntryOf, SCOREBOARD_BUCKETS, withLine } from './scoreboard';
import { rankingOf } from './standings';

const NOW = new Date('2026-06-01T10:00:00Z');
const call = testCall();
const criteria = call.scoringGrid.criteria;

/** An evaluated dossier; `values`: each reviewer's score per criterion, in grid order. */
function evaluated(values: Record<string, number[]>, overrides: Partial<EvaluationState> = {}): EvaluationState {
  const reviews: Review[] = Object.entries(values).map(([reviewerId, scores], r) => ({
    reviewerId,
    scores: criteria.map((c, i) => ({ criterionId: c.criterionId, score: scores[i]!, comment: 'Avis, motivé\net sur deux lignes.' })),
    weightedScore: 100 / 3 + r * 7.1,
    submittedAt: NOW,
  }));
  return { ...openEvaluation(testDossier(call), NOW), stage: 'evaluated', dossierStatus: 'under-review', reviews, version: 4, ...overrides };
}

describe('scoreboard lines', () => {
  it('given completed evaluations, when their lines are stored and read back, then the ranking is exactly the one of the evaluations themselves', () => {
    const states = [
      evaluated({ r1: [8, 7, 6, 9], r2: [7, 7, 2, 8], r3: [9, 6, 3, 7] }),
      evaluated({ r1: [5, 5, 5, 5], r2: [6, 6, 6, 6], r4: [4, 9, 1, 3] }),
      evaluated({ r2: [9, 9, 9, 9], r3: [8, 8, 8, 8], r4: [2, 2, 2, 2] }, { stage: 'decided', dossierStatus: 'waitlisted', decision: { kind: 'waitlisted', rank: 1, motivation: 'Réserve "A",\nliste.', decidedBy: 'c-1', decidedAt: NOW } }),
    ];
    const lines = states.reduce((bucket, state) => withLine(bucket, state.dossierId, lineOf(state)), '');
    const read = entriesOf(lines, 'vague-1');
    expect(read).toEqual(states.map(scoreEntryOf));
    const normalisation = normalisationOf((sink) => states.forEach((s) => s.reviews.forEach((r) => sink(r.reviewerId, r.weightedScore))));
    const strip = (ranking: ReturnType<typeof rankingOf>) => [...ranking.ranked, ...ranking.eliminated].map(({ entry, ...row }) => ({ dossierId: entry.dossierId, ...row }));
    expect(strip(rankingOf(call, read, normalisation))).toEqual(strip(rankingOf(call, states.map(scoreEntryOf), normalisation)));
    expect(read[2]!.decision).toEqual({ kind: 'waitlisted', rank: 1, motivation: 'Réserve "A",\nliste.', decidedBy: 'c-1', decidedAt: NOW.toISOString() });
  });

  it('given a withdrawn evaluation, when its line is written, then it leaves the ranking as a tombstone that an older rebuild cannot overwrite', () => {
    const state = evaluated({ r1: [8, 7, 6, 9] });
    const stored = withLine('', state.dossierId, lineOf(state));
    const withdrawn = withLine(stored, state.dossierId, lineOf({ ...state, stage: 'withdrawn', version: 5 }));
    expect(entriesOf(withdrawn, 'vague-1')).toEqual([]);
    expect(withLine(withdrawn, state.dossierId, lineOf(state))).toBe(withdrawn);
  });

  it('given the same evaluation again, when its line is written, then the bucket is the same string (no write)', () => {
    const [a, b] = [evaluated({ r1: [1, 2, 3, 4] }), evaluated({ r2: [4, 3, 2, 1] })];
    const bucket = withLine(withLine('', a.dossierId, lineOf(a)), b.dossierId, lineOf(b));
    expect(withLine(bucket, a.dossierId, lineOf(a))).toBe(bucket);
    const decided = { ...b, stage: 'decided' as const, version: 5, decision: { kind: 'rejected' as const, motivation: 'Non.', decidedBy: 'c-1', decidedAt: NOW } };
    expect(entriesOf(withLine(bucket, b.dossierId, lineOf(decided)), 'vague-1').map((e) => [e.dossierId, e.decision?.kind ?? null])).toEqual([[a.dossierId, null], [b.dossierId, 'rejected']]);
  });

  it('given dossier ids, when bucketed, then the bucket is stable and within the bound', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `d-${i}`);
    const used = new Set(ids.map(bucketOf));
    expect(Math.max(...used)).toBeLessThan(SCOREBOARD_BUCKETS);
    expect(used.size).toBe(SCOREBOARD_BUCKETS);
    expect(bucketOf('d-42')).toBe(bucketOf('d-42'));
  });
});
