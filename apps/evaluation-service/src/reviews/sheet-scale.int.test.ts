import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { startEvaluation, testCall, testDossier, type EvaluationHarness } from '../testing/fixtures';
import { callWithPool, scoresOf, submittedForReview } from './testing';

/**
 * The oversight sheet normalises over every review of the call. It reads them from the call's score
 * projection (`reviewer_scores`, a few small documents per call), never from every evaluation (that
 * took 11–15 s at 5 000 dossiers on FerretDB). Here the call's DOSSIERS × 3 other reviews exist ONLY
 * in that projection (written as it writes them), beside one real dossier: answers counting all of
 * them show where they come from. Timing belongs to the benchmarks, not to this test.
 */
const DOSSIERS = Number(process.env.SHEET_SCALE_DOSSIERS ?? 10_000);
const REVIEWERS = 60;

const env = useTestEnvironment();
let h: EvaluationHarness;
const call = testCall();
const dossier = testDossier(call);

beforeAll(async () => {
  h = await startEvaluation(env);
  await callWithPool(h, call, ['scale-1', 'scale-2', 'scale-3']);
  await submittedForReview(h, dossier, ['scale-1', 'scale-2', 'scale-3']);
  for (const reviewer of ['scale-1', 'scale-2', 'scale-3']) {
    expect((await h.reviewer(reviewer).post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(5, 6, 7, 8))).status).toBe(201);
    await h.settled(dossier.dossierId);
  }
  const dossiers = new Map<string, string[]>();
  const scores = new Map<string, number[]>();
  for (let i = 0; i < DOSSIERS; i++) {
    for (let k = 0; k < 3; k++) {
      const reviewerId = `bulk-${(i + k * 20) % REVIEWERS}`;
      (dossiers.get(reviewerId) ?? dossiers.set(reviewerId, []).get(reviewerId)!).push(`bulk-d${i}`);
      (scores.get(reviewerId) ?? scores.set(reviewerId, []).get(reviewerId)!).push((i * 7 + k * 13) % 101);
    }
  }
  await env
    .database('evaluation')
    .collection<{ _id: string }>('reviewer_scores')
    .insertMany([...dossiers].map(([reviewerId, ids]) => ({ _id: `${call.callId}|${reviewerId}`, callId: call.callId, reviewerId, dossiers: ids.join('\n'), weightedScores: scores.get(reviewerId)!.join('\n'), version: 1 })));
}, 180_000);
afterAll(() => h.stop());

describe(`the oversight sheet and the reviewer statistics on a call of ${DOSSIERS} dossiers`, () => {
  it('count every review of the call, from the call\'s score projection', async () => {
    // The real dossier's 3 reviews reach the call's scores by their events.
    await eventually(async () => expect((await h.manager().get(`/calls/${call.callId}/reviewer-statistics`)).body.reviewCount).toBe(3 * DOSSIERS + 3));
    const sheet = await h.manager().get(`/evaluations/${dossier.dossierId}/sheet`);
    expect(sheet.status).toBe(200);
    expect(sheet.body.reviews).toHaveLength(3);
    // Its normalisation is over the whole call: the bulk reviews and the real dossier's three.
    expect(sheet.body.consolidation.callReviewCount).toBe(3 * DOSSIERS + 3);
  });
});
