import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierComplementRequested, eventTopicName } from '@aap/contracts';
import { useTestEnvironment } from '@aap/test-harness';
import { callWithPool, expectProblem, scoresOf, submittedForReview } from '../reviews/testing';
import { publishedOn, startEvaluation, testCall, testDossier, type EvaluationHarness } from '../testing/fixtures';
import { COMPLEMENT_AFTER_SCORING } from './complement';

const env = useTestEnvironment();
let h: EvaluationHarness;

beforeAll(async () => {
  h = await startEvaluation(env);
});
afterAll(() => h.stop());

describe('complement-after-scoring: a scored dossier is not sent back to its applicant', () => {
  it('given one review in, a reviewer or the manager asking a complement gets 422 naming the rule, nothing recorded or published; once evaluated, the same', async () => {
    const reviewers = ['scored-1', 'scored-2', 'scored-3'];
    const call = testCall();
    await callWithPool(h, call, reviewers);
    const dossier = testDossier(call);
    const { dossierId } = dossier;
    await submittedForReview(h, dossier, reviewers);
    expect((await h.reviewer('scored-1').post(`/evaluations/${dossierId}/reviews`, scoresOf(6, 6, 6, 6))).status).toBe(201);
    const scored = await h.settled(dossierId);

    const ask = { message: 'Merci de revoir le budget.' };
    for (const asker of [h.reviewer('scored-2'), h.manager()]) {
      const refused = await asker.post(`/evaluations/${dossierId}/complement-requests`, ask);
      expectProblem(refused, 422, [{ name: COMPLEMENT_AFTER_SCORING }]);
      expect(refused.body.errors[0].detail).toContain('1 submitted review');
    }
    expect(await h.stored(dossierId)).toEqual(scored);

    // The reviewers finish on the version they were given; an evaluated dossier is refused the same way.
    for (const reviewer of ['scored-2', 'scored-3']) {
      expect((await h.reviewer(reviewer).post(`/evaluations/${dossierId}/reviews`, scoresOf(7, 7, 7, 7))).status).toBe(201);
    }
    const evaluated = await h.settled(dossierId);
    expect(evaluated).toMatchObject({ stage: 'evaluated' });
    expectProblem(await h.manager().post(`/evaluations/${dossierId}/complement-requests`, ask), 422, [{ name: COMPLEMENT_AFTER_SCORING }]);
    expect(await h.stored(dossierId)).toEqual(evaluated);

    // Everything the evaluation recorded is relayed (settled): no complement request reached the applicant.
    const dossierTopic = await publishedOn(env, eventTopicName(env.prefix, DossierComplementRequested.topic));
    expect(dossierTopic.filter((m) => m.key === dossierId && m.headers.ce_type === DossierComplementRequested.type)).toEqual([]);
  });
});
