import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluationCompleted, EvaluationReviewSubmitted } from '@aap/contracts';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { startEvaluation, testCall, testDossier, type EvaluationHarness } from '../testing/fixtures';
import { callWithPool, eventsOn, joinPool, leavePool, scoresOf, submittedForReview } from './testing';

/*
 * THE WORKED EXAMPLE — one call, 4 dossiers, 12 reviews, every number by hand.
 *
 * Grid (testCall): ancrage w40, publics w30, modele w20 (pass threshold 3), partenariats w10, all out of 10;
 * Σ wᵢ·maxᵢ = 1000, so a review's weighted score = 100 × Σ wᵢ·sᵢ / 1000 = 4a + 3b + 2c + d.
 * This call: the grid's pass threshold 45 (on the ranking score), disagreement at 4 500 bps = 45 points,
 * ranking by the normalised score (default).
 *
 * Reviewers: L lenient, H harsh, N neutral on D1–D3; D4 by L, H and X (X's only review).
 *
 *          D1                      D2                      D3                      D4
 *   L  (10,10,10,5) → 95     (10,10,2,6) → 80        (7,6,6,7) → 65          (8,8,8,8) → 80
 *   H  (4,4,4,4)    → 40     (4,3,2,1)   → 30        (5,5,5,5) → 50          (4,4,4,4) → 40
 *   N  (6,6,6,6)    → 60     (6,6,3,2)   → 50        (7,7,7,7) → 70
 *   X                                                                         (6,6,6,6) → 60
 *   e.g. L on D1: 40+30+20+5 = 95; L on D3: 28+18+12+7 = 65; H on D2: 16+9+4+1 = 30; N on D2: 24+18+6+2 = 50.
 *
 * Raw (mean of the weighted scores): D1 (95+40+60)/3 = 65; D2 (80+30+50)/3 = 53.33; D3 (65+50+70)/3 = 61.67;
 * D4 (80+40+60)/3 = 60.
 *
 * Call: 12 reviews, Σ = 320 (L) + 160 (H) + 180 (N) + 60 (X) = 720 → μ_call = 60.
 *   Σ(s−60)² = L 35²+20²+5²+20² = 2050, H 20²+30²+10²+20² = 1800, N 0+10²+10² = 200, X 0 → 4050;
 *   σ_call = √(4050/12) = √337.5 = 18.3712.
 * Reviewers (population std-dev): L μ 80, σ √((15²+0+15²+0)/4) = √112.5 = 10.6066;
 *   H μ 40, σ √((0+10²+10²+0)/4) = √50 = 7.0711; N μ 60, σ √((0+10²+10²)/3) = √66.67 = 8.1650;
 *   X one review → not normalised (raw kept).
 * Normalised review = 60 + z × 18.3712:
 *   L: D1 z = 15/10.6066 = √2 → 60 + √675 = 85.98; D2 z 0 → 60; D3 z −√2 → 34.02; D4 → 60.
 *   H: D1 z 0 → 60; D2 z −10/7.0711 = −√2 → 34.02; D3 +√2 → 85.98; D4 → 60.
 *   N: D1 z 0 → 60; D2 z −10/8.1650 = −√1.5 → 60 − √(1.5 × 337.5) = 60 − 22.5 = 37.5; D3 → 82.5.
 *   X: D4 → 60 (raw).
 * Dossier normalised = mean: D1 (85.98+60+60)/3 = 68.66; D2 (60+34.02+37.5)/3 = 43.84;
 *   D3 (34.02+85.98+82.5)/3 = 67.5; D4 60.
 * Criterion means: D1 ancrage 20/3 = 6.67, publics 6.67, modele 6.67, partenariats (5+4+6)/3 = 5;
 *   D2 ancrage 6.67, publics (10+3+6)/3 = 6.33, modele (2+2+3)/3 = 2.33 < 3 → ELIMINATED, partenariats 3.
 * D2's ranking (normalised) score 43.84 is also below the grid's 45 (its raw 53.33 is not: rankBy decides).
 * Spread (max − min): D1 95−40 = 55 > 45 → disagreement; D2 80−30 = 50 > 45 → disagreement; D3 70−50 = 20; D4 80−40 = 40.
 * Statistics: L mean 80, deviation +20 > ½ σ_call = 9.19 → lenient; H 40, −20 → harsh; N 60, 0 → neutral;
 *   X one review → neutral, not normalised.
 */

const env = useTestEnvironment();
let h: EvaluationHarness;
const base = testCall();
const call = testCall({ scoringGrid: { ...base.scoringGrid, passThreshold: 45 } }, { disagreementShareBps: 4_500 });
const [L, H, N, X] = ['lenient-l', 'harsh-h', 'neutral-n', 'occasional-x'];
const dossiers = { D1: testDossier(call), D2: testDossier(call), D3: testDossier(call), D4: testDossier(call) };
const reviews: Record<keyof typeof dossiers, Array<[string, [number, number, number, number]]>> = {
  D1: [[L, [10, 10, 10, 5]], [H, [4, 4, 4, 4]], [N, [6, 6, 6, 6]]],
  D2: [[L, [10, 10, 2, 6]], [H, [4, 3, 2, 1]], [N, [6, 6, 3, 2]]],
  D3: [[L, [7, 6, 6, 7]], [H, [5, 5, 5, 5]], [N, [7, 7, 7, 7]]],
  D4: [[L, [8, 8, 8, 8]], [H, [4, 4, 4, 4]], [X, [6, 6, 6, 6]]],
};
const sheetOf = async (key: keyof typeof dossiers) => {
  const answer = await h.manager().get(`/evaluations/${dossiers[key].dossierId}/sheet`);
  expect(answer.status).toBe(200);
  return answer.body;
};
/** The review lines by reviewer id (the sheet lists them in assignment order, which the assigner decides). */
const lines = (sheet: any) => sheet.reviews.map((r: any) => [r.reviewer, r.weightedScore, r.normalisedScore]).sort();

beforeAll(async () => {
  h = await startEvaluation(env);
  // The real assigner, 3 reviewers per dossier: the pool is L, H, N for D1–D3, then N leaves and X joins for D4.
  await callWithPool(h, call, [L, H, N]);
  for (const key of ['D1', 'D2', 'D3'] as const) await submittedForReview(h, dossiers[key], [L, H, N]);
  await leavePool(h, call.callId, N);
  await joinPool(h, call.callId, X);
  await submittedForReview(h, dossiers.D4, [L, H, X]);
  for (const [key, dossier] of Object.entries(dossiers)) {
    for (const [reviewer, [a, b, c, d]] of reviews[key as keyof typeof dossiers]) {
      const answer = await h.reviewer(reviewer).post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(a, b, c, d));
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      await h.settled(dossier.dossierId);
    }
  }
  // The call's scores follow the reviews by their events: wait until all 12 are counted.
  await eventually(async () => expect((await h.manager().get(`/calls/${call.callId}/reviewer-statistics`)).body.reviewCount).toBe(12));
}, 120_000);
afterAll(() => h.stop());

describe('consolidation and normalisation on the worked example', () => {
  it('D1: raw 65, normalised 68.66 (the lenient 95 brought to 85.98, the harsh 40 to the call mean), disagreement 55 > 45', async () => {
    const sheet = await sheetOf('D1');
    expect(lines(sheet)).toEqual([[H, 40, 60], [L, 95, 85.98], [N, 60, 60]]);
    expect(sheet.consolidation).toEqual({
      complete: true,
      reviewCount: 3,
      rawScore: 65,
      normalisedScore: 68.66,
      rankBy: 'normalised',
      rankingScore: 68.66,
      criterionMeans: [
        { criterionId: 'ancrage', label: 'Ancrage territorial', mean: 6.67, maxScore: 10 },
        { criterionId: 'publics', label: 'Publics touchés', mean: 6.67, maxScore: 10 },
        { criterionId: 'modele', label: 'Modèle économique', mean: 6.67, maxScore: 10, passThreshold: 3 },
        { criterionId: 'partenariats', label: 'Partenariats', mean: 5, maxScore: 10 },
      ],
      eliminated: false,
      eliminationReasons: [],
      spread: 55,
      disagreementLimit: 45,
      disagreement: true,
      callMean: 60,
      callStdDev: 18.37,
      callReviewCount: 12,
    });
  });

  it('D2: eliminated by the modele threshold (mean 2.33 < 3) and by the grid threshold on its normalised score (43.84 < 45)', async () => {
    const sheet = await sheetOf('D2');
    expect(lines(sheet)).toEqual([[H, 30, 34.02], [L, 80, 60], [N, 50, 37.5]]);
    expect(sheet.consolidation).toMatchObject({ rawScore: 53.33, normalisedScore: 43.84, rankingScore: 43.84, eliminated: true, spread: 50, disagreement: true });
    expect(sheet.consolidation.criterionMeans.map((c: any) => [c.criterionId, c.mean])).toEqual([['ancrage', 6.67], ['publics', 6.33], ['modele', 2.33], ['partenariats', 3]]);
    expect(sheet.consolidation.eliminationReasons).toEqual([
      'criterion Modèle économique: mean score 2.33 is below its pass threshold 3 (out of 10)',
      "normalised score 43.84 is below the call's pass threshold 45",
    ]);
    // The completion event carries the criterion elimination (the grid's threshold applies to the ranking score, at ranking).
    const [completed] = await eventsOn(env, EvaluationCompleted, dossiers.D2.dossierId);
    expect(completed).toMatchObject({ eliminated: true, disagreement: true, reviewCount: 3, eliminationReasons: ['criterion Modèle économique: mean score 2.33 is below its pass threshold 3 (out of 10)'] });
    expect(completed.rawScore).toBeCloseTo(160 / 3, 9);
  });

  it("D3: the harsh reviewer's best (50) counts as 85.98 and the lenient one's worst (65) as 34.02: raw 61.67, normalised 67.5, no disagreement (20)", async () => {
    const sheet = await sheetOf('D3');
    expect(lines(sheet)).toEqual([[H, 50, 85.98], [L, 65, 34.02], [N, 70, 82.5]]);
    expect(sheet.consolidation).toMatchObject({ rawScore: 61.67, normalisedScore: 67.5, eliminated: false, spread: 20, disagreement: false });
    expect(sheet.consolidation.criterionMeans.map((c: any) => c.mean)).toEqual([6.33, 6, 6, 6.33]);
  });

  it('D4: a reviewer with one review keeps their raw score; raw and normalised 60, spread 40 within 45', async () => {
    const sheet = await sheetOf('D4');
    expect(lines(sheet)).toEqual([[H, 40, 60], [L, 80, 60], [X, 60, 60]]);
    expect(sheet.consolidation).toMatchObject({ rawScore: 60, normalisedScore: 60, eliminated: false, spread: 40, disagreement: false });
  });

  it('reviewer statistics: L lenient (+20), H harsh (−20), N neutral, X neutral and not normalised (one review)', async () => {
    const answer = await h.manager().get(`/calls/${call.callId}/reviewer-statistics`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ callId: call.callId, callMean: 60, callStdDev: 18.37, reviewCount: 12 });
    expect(answer.body.reviewers).toEqual([
      { reviewerId: H, name: `Expert ${H}`, reviewCount: 4, mean: 40, stdDev: 7.07, deviation: -20, tendency: 'harsh', normalised: true },
      { reviewerId: L, name: `Expert ${L}`, reviewCount: 4, mean: 80, stdDev: 10.61, deviation: 20, tendency: 'lenient', normalised: true },
      { reviewerId: N, name: `Expert ${N}`, reviewCount: 3, mean: 60, stdDev: 8.16, deviation: 0, tendency: 'neutral', normalised: true },
      { reviewerId: X, name: `Expert ${X}`, reviewCount: 1, mean: 60, stdDev: 0, deviation: 0, tendency: 'neutral', normalised: false },
    ]);
    expect((await h.committee().get(`/calls/${call.callId}/reviewer-statistics`)).status).toBe(200);
    expect((await h.reviewer(L).get(`/calls/${call.callId}/reviewer-statistics`)).status).toBe(403);
    expect((await h.manager().get('/calls/no-such-call/reviewer-statistics')).status).toBe(404);
  });

  it('a reviewer who submitted sees their own line first, the others\' scores unnamed, but neither the normalised scores nor the consolidation on the sheet', async () => {
    const answer = await h.reviewer(N).get(`/evaluations/${dossiers.D1.dossierId}/sheet`);
    expect(answer.status).toBe(200);
    expect(answer.body.consolidation).toBeUndefined();
    const [own, ...others] = answer.body.reviews;
    expect([own.reviewer, own.self, own.weightedScore]).toEqual([N, true, 60]);
    // The others (L's 95, H's 40) in assignment order, unnamed, without normalised scores.
    expect(others.map((r: any) => [r.weightedScore, r.normalisedScore, r.name]).sort()).toEqual([[40, undefined, undefined], [95, undefined, undefined]]);
    expect(others.map((r: any) => r.reviewer)).toEqual(['other-1', 'other-2']);
  });
});

describe("the call's scores", () => {
  it('given a review event for a dossier the reviewer already scored (a redelivery), then it is counted once', async () => {
    const reference = { dossierId: dossiers.D1.dossierId, number: dossiers.D1.number, callId: call.callId, waveId: dossiers.D1.waveId, organisationId: dossiers.D1.applicant.organisationId };
    const review = (reviewerId: string, weightedScore: number) => ({ ...reference, at: new Date().toISOString(), reviewerId, weightedScore, scores: [] });
    await h.publisher.publish(EvaluationReviewSubmitted, review(L, 0));
    // Same dossier, so same partition and consumed after it: once it counts, the duplicate was handled.
    await h.publisher.publish(EvaluationReviewSubmitted, review('zz-marker', 50));
    const statistics = await eventually(async () => {
      const answer = await h.manager().get(`/calls/${call.callId}/reviewer-statistics`);
      expect(answer.body.reviewCount).toBe(13);
      return answer.body;
    });
    expect(statistics.reviewers.find((r: any) => r.reviewerId === L)).toMatchObject({ reviewCount: 4, mean: 80 });
  });
});
