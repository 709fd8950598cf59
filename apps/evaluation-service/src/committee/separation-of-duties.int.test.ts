import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { callWithPool, scoresOf, submittedForReview } from '../reviews/testing';
import { startEvaluation, testCall, testDossier, TEST_TEAM, type EvaluationHarness } from '../testing/fixtures';

const env = useTestEnvironment();
let h: EvaluationHarness;
beforeAll(async () => {
  h = await startEvaluation(env);
});
afterAll(() => h.stop());

/**
 * Separation of duties (issue 16): one person holding a reviewer and a committee role — on the call's
 * committee and in its reviewer pool — is assigned a dossier. They never read a fellow reviewer's named
 * score of it (sheet, reviewer statistics), before or after their own review, and never decide on it;
 * another committee member does.
 */
describe('separation of duties: a reviewer of a dossier never sees named scores of it nor decides on it', () => {
  it('one token with reviewer + committee on the team: anonymous sheet and statistics, 403 separation-of-duties on the decision; another member decides', async () => {
    const call = testCall({ team: { ...TEST_TEAM, committee: [...TEST_TEAM.committee, 'dual-1'] } });
    const reviewers = ['dual-1', 'rev-named-b', 'rev-named-c'];
    await callWithPool(h, call, reviewers);
    const dossier = testDossier(call);
    await submittedForReview(h, dossier, reviewers);
    const dual = h.as(['reviewer', 'committee'], { sub: 'dual-1' });
    const sheetOf = (requester: ReturnType<EvaluationHarness['as']>) => requester.get(`/evaluations/${dossier.dossierId}/sheet`);

    expect((await h.reviewer('rev-named-b').post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(8, 7, 6, 5))).status).toBe(201);
    // The committee member who does not review it sees who scored what.
    expect(JSON.stringify((await sheetOf(h.committee())).body)).toContain('rev-named-b');
    const before = await sheetOf(dual);
    expect(before.status).toBe(200);
    expect(JSON.stringify(before.body)).not.toMatch(/rev-named|Expert/);

    expect((await dual.post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(6, 6, 6, 6))).status).toBe(201);
    expect((await h.reviewer('rev-named-c').post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(7, 7, 7, 7))).status).toBe(201);
    await eventually(async () => expect(((await h.stored(dossier.dossierId)) as unknown as { stage: string }).stage).toBe('evaluated'));
    const after = await sheetOf(dual);
    expect(after.status).toBe(200);
    expect(JSON.stringify(after.body)).not.toMatch(/rev-named|Expert/);

    // The call's reviewer statistics: their own line, the others unnamed (a committee member who does not review sees them).
    await eventually(async () => expect(JSON.stringify((await h.committee().get(`/calls/${call.callId}/reviewer-statistics`)).body)).toContain('rev-named-c'));
    const statistics = await dual.get(`/calls/${call.callId}/reviewer-statistics`);
    expect(statistics.status).toBe(200);
    expect(JSON.stringify(statistics.body)).not.toMatch(/rev-named|Expert rev/);
    expect(statistics.body.reviewers.map((r: { reviewerId: string }) => r.reviewerId).sort()).toEqual(['dual-1', 'other-1', 'other-2']);

    const refused = await dual.post(`/evaluations/${dossier.dossierId}/decision`, { decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.errors).toEqual([expect.objectContaining({ name: 'separation-of-duties', in: 'rule' })]);
    expect(((await h.stored(dossier.dossierId)) as unknown as { stage: string }).stage).toBe('evaluated');

    const decided = await h.committee().post(`/evaluations/${dossier.dossierId}/decision`, { decision: 'approve' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    // Nor does the reviewer reopen the decision taken by another member.
    const reopen = await dual.post(`/evaluations/${dossier.dossierId}/decision/reopen`, { motivation: 'Je préfère un autre montant.' });
    expect(reopen.status).toBe(403);
    expect(reopen.body.errors).toEqual([expect.objectContaining({ name: 'separation-of-duties' })]);
  });
});
