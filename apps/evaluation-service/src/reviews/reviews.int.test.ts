import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierComplementRequested, EvaluationCompleted, EvaluationReviewSubmitted } from '@aap/contracts';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { startEvaluation, testCall, testDossier, type EvaluationHarness } from '../testing/fixtures';
import { callWithPool, eventsOn, expectProblem, scoresOf, submittedForReview } from './testing';

const env = useTestEnvironment();
let h: EvaluationHarness;

beforeAll(async () => {
  h = await startEvaluation(env);
});
afterAll(() => h.stop());

/** A dossier in review, assigned by the real assigner to these reviewers: the whole pool of its own call (3 reviewers per dossier). */
async function inReview(reviewers: string[]) {
  const call = testCall();
  await callWithPool(h, call, reviewers);
  const dossier = testDossier(call);
  await submittedForReview(h, dossier, reviewers);
  return dossier;
}

describe('blind scoring', () => {
  it('given three assigned reviewers, a reviewer sees only that the others exist and whether they submitted until their own review is in, then their scores and comments; one not assigned gets 404', async () => {
    const dossier = await inReview(['blind-1', 'blind-2', 'blind-3']);
    const sheet = (reviewer: string) => h.reviewer(reviewer).get(`/evaluations/${dossier.dossierId}/sheet`);

    // Before anyone submits: own line, and two anonymous others, assigned.
    const before = await sheet('blind-1');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ blind: true, changes: [] });
    expect(before.body.reviews).toEqual([
      { reviewer: 'blind-1', self: true, state: 'assigned', dueAt: expect.any(String) },
      { reviewer: 'other-1', self: false, state: 'assigned', dueAt: expect.any(String) },
      { reviewer: 'other-2', self: false, state: 'assigned', dueAt: expect.any(String) },
    ]);
    expect(before.body.consolidation).toBeUndefined();

    // blind-2 submits: blind-1 learns that it did, not what it scored.
    const second = await h.reviewer('blind-2').post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(8, 6, 4, 2, 'Avis de blind-2.'));
    expect(second.status).toBe(201);
    await h.settled(dossier.dossierId);
    const still = await sheet('blind-1');
    expect(still.body.blind).toBe(true);
    expect(still.body.reviews[0]).toMatchObject({ reviewer: 'blind-1', self: true, state: 'assigned' });
    expect(still.body.reviews.slice(1).map((r: any) => r.state).sort()).toEqual(['assigned', 'submitted']);
    expect(still.body.reviews.find((r: any) => r.state === 'submitted')).toEqual({ reviewer: expect.stringMatching(/^other-[12]$/), self: false, state: 'submitted', submittedAt: expect.any(String) });
    expect(JSON.stringify(still.body)).not.toContain('Avis de blind-2');
    expect(JSON.stringify(still.body)).not.toContain('blind-2');

    // A reviewer not assigned to the dossier: the same 404 as a dossier that does not exist, for reading and scoring.
    expect((await h.reviewer('stranger').get(`/evaluations/${dossier.dossierId}/sheet`)).status).toBe(404);
    expect((await h.reviewer('stranger').get('/evaluations/d-missing/sheet')).status).toBe(404);
    expect((await h.reviewer('stranger').post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(5, 5, 5, 5))).status).toBe(404);

    // blind-1 submits: its answer already opens the others' reviews. 8·40+6·30+4·20+2·10 = 600 → 100 × 600 / 1000 = 60.
    const own = await h.reviewer('blind-1').post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(10, 10, 10, 10, 'Avis de blind-1.'));
    expect(own.status).toBe(201);
    expect(own.body.blind).toBe(false);
    expect(own.body.reviews[0]).toMatchObject({ reviewer: 'blind-1', self: true, state: 'submitted', weightedScore: 100 });
    const seen = own.body.reviews.find((r: any) => !r.self && r.state === 'submitted');
    expect(seen).toMatchObject({
      reviewer: expect.stringMatching(/^other-[12]$/),
      state: 'submitted',
      weightedScore: 60,
      scores: [
        { criterionId: 'ancrage', score: 8, comment: 'Avis de blind-2.' },
        { criterionId: 'publics', score: 6, comment: 'Avis de blind-2.' },
        { criterionId: 'modele', score: 4, comment: 'Avis de blind-2.' },
        { criterionId: 'partenariats', score: 2, comment: 'Avis de blind-2.' },
      ],
    });
    expect(seen.name).toBeUndefined();
    expect(own.body.reviews.find((r: any) => !r.self && r.state === 'assigned')).toEqual({ reviewer: expect.stringMatching(/^other-[12]$/), self: false, state: 'assigned', dueAt: expect.any(String) });
    await h.settled(dossier.dossierId);

    // No revising once the others are seen.
    const stored = await h.stored(dossier.dossierId);
    const again = await h.reviewer('blind-1').post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(1, 1, 1, 1));
    expectProblem(again, 409, [{ name: 'evaluation-status' }]);
    expect(await h.stored(dossier.dossierId)).toEqual(stored);

    // The last review completes the evaluation in the same write: (100 + 60 + 70) / 3 = 76.67; spread 100 − 60 = 40 > 25 (default 2 500 bps of 100).
    const last = await h.reviewer('blind-3').post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(7, 7, 7, 7, 'Avis de blind-3.'));
    expect(last.status).toBe(201);
    expect(last.body.stage).toBe('evaluated');
    const completed = await h.settled(dossier.dossierId);
    expect(completed).toMatchObject({ stage: 'evaluated', completedAt: expect.any(Date) });

    const submitted = await eventsOn(env, EvaluationReviewSubmitted, dossier.dossierId, 3);
    expect(submitted.map((e) => [e.reviewerId, e.weightedScore])).toEqual([['blind-2', 60], ['blind-1', 100], ['blind-3', 70]]);
    // Scores only on the event: the comments stay in the evaluation.
    expect(JSON.stringify(submitted)).not.toContain('Avis de');
    const [done, ...more] = await eventsOn(env, EvaluationCompleted, dossier.dossierId);
    expect(more).toEqual([]);
    expect(done).toMatchObject({ dossierId: dossier.dossierId, reviewCount: 3, eliminated: false, eliminationReasons: [], disagreement: true });
    expect(done.rawScore).toBeCloseTo(230 / 3, 9);

    // Oversight: every review by name, and the consolidation.
    const managerSheet = await h.manager().get(`/evaluations/${dossier.dossierId}/sheet`);
    expect(managerSheet.status).toBe(200);
    expect(managerSheet.body.reviews.map((r: any) => [r.reviewer, r.name, r.weightedScore]).sort()).toEqual([
      ['blind-1', 'Expert blind-1', 100],
      ['blind-2', 'Expert blind-2', 60],
      ['blind-3', 'Expert blind-3', 70],
    ]);
    expect(managerSheet.body.consolidation).toMatchObject({ complete: true, reviewCount: 3, rawScore: 76.67, spread: 40, disagreementLimit: 25, disagreement: true, eliminated: false });
  });

  it('given bad scores, when a reviewer submits them, then 422 names each failing field and nothing is recorded', async () => {
    const dossier = await inReview(['bad-1', 'bad-2', 'bad-3']);
    const before = await h.settled(dossier.dossierId);
    const answer = await h.reviewer('bad-1').post(`/evaluations/${dossier.dossierId}/reviews`, {
      scores: [
        { criterionId: 'ancrage', score: 11, comment: 'Trop.' },
        { criterionId: 'publics', score: 7.5, comment: 'Pas entier.' },
        { criterionId: 'modele', score: 5, comment: '   ' },
        { criterionId: 'budget', score: 5, comment: 'Pas dans la grille.' },
        { criterionId: 'ancrage', score: 5, comment: 'Deux fois.' },
      ],
    });
    expectProblem(answer, 422, [
      { name: 'score-range', pointer: '/scores/0/score' },
      { name: 'score-range', pointer: '/scores/1/score' },
      { name: 'comment-required', pointer: '/scores/2/comment' },
      { name: 'criterion-unknown', pointer: '/scores/3/criterionId' },
      { name: 'criterion-scored-twice', pointer: '/scores/4/criterionId' },
      { name: 'criterion-missing', pointer: '/scores' },
    ]);
    expect(answer.body.errors.at(-1).detail).toContain('partenariats');
    // A comment left out altogether is the same rule, not a schema error.
    const noComment = await h.reviewer('bad-1').post(`/evaluations/${dossier.dossierId}/reviews`, { scores: scoresOf(5, 5, 5, 5).scores.map((s, i) => (i === 3 ? { criterionId: s.criterionId, score: s.score } : s)) });
    expectProblem(noComment, 422, [{ name: 'comment-required', pointer: '/scores/3/comment' }]);
    const tooLong = await h.reviewer('bad-1').post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(5, 5, 5, 5, 'x'.repeat(2_001)));
    expectProblem(tooLong, 422, ['0', '1', '2', '3'].map((i) => ({ name: 'comment-too-long', pointer: `/scores/${i}/comment` })));

    expect(await h.stored(dossier.dossierId)).toEqual(before);
    const sheet = await h.reviewer('bad-1').get(`/evaluations/${dossier.dossierId}/sheet`);
    expect(sheet.body.reviews[0]).toMatchObject({ self: true, state: 'assigned' });
  });
});

describe('the complement loop', () => {
  it('given a reviewer asking a complement before the first score, then reviews are refused while paused, and after the resubmission the sheet shows what changed and the reviewers score the new version', async () => {
    const dossier = await inReview(['loop-1', 'loop-2', 'loop-3']);
    const { dossierId } = dossier;

    const asked = await h.reviewer('loop-2').post(`/evaluations/${dossierId}/complement-requests`, { message: 'Merci de joindre le plan de financement détaillé.' });
    expect(asked.status).toBe(201);
    const { complementRequestId } = asked.body.complements[0];
    await h.settled(dossierId);
    // The applicant-facing fact: the message, never who asked.
    const [requested] = await eventsOn(env, DossierComplementRequested, dossierId);
    expect(requested).toMatchObject({ dossierId, complementRequestId, message: 'Merci de joindre le plan de financement détaillé.' });
    expect(JSON.stringify(requested)).not.toContain('loop-2');

    // Paused: nobody scores a dossier the applicant is changing.
    const stored = await h.stored(dossierId);
    const paused = await h.reviewer('loop-3').post(`/evaluations/${dossierId}/reviews`, scoresOf(5, 5, 5, 5));
    expectProblem(paused, 409, [{ name: 'evaluation-status' }]);
    expect(paused.body.detail).toContain('complement-requested');
    expect(await h.stored(dossierId)).toEqual(stored);

    // The applicant answers with a new title, a smaller request and one more document.
    const answered = {
      ...dossier,
      project: { ...dossier.project, title: 'Projet révisé' },
      budget: { ...dossier.budget, requestedGrantCents: 8_000_000, otherFunding: [{ kind: 'region' as const, funder: 'Région', amountCents: 12_000_000 }] },
      attachments: [...dossier.attachments, { attachmentId: `a-${dossierId}-plan`, documentType: 'plan-financement', fileName: 'plan.pdf', contentType: 'application/pdf', sizeBytes: 2_000, sha256: 'f'.repeat(64) }],
      submittedAt: new Date().toISOString(),
    };
    await h.resubmit(answered, complementRequestId);
    await eventually(async () => expect(await h.stored(dossierId)).toMatchObject({ stage: 'in-review' }));
    await h.settled(dossierId);

    const expectedChanges = [
      'project.title',
      'budget.requestedGrantCents: 10000000 → 8000000 cents',
      'budget.otherFunding',
      'attachment added: plan.pdf (plan-financement)',
    ];
    const sheet = await h.reviewer('loop-3').get(`/evaluations/${dossierId}/sheet`);
    expect(sheet.body).toMatchObject({ stage: 'in-review', changes: expectedChanges });
    expect((await h.manager().get(`/evaluations/${dossierId}/sheet`)).body.changes).toEqual(expectedChanges);

    // Every reviewer scores the new version (a complement after the first score is refused: complements/), and the last one completes.
    expect((await h.reviewer('loop-1').post(`/evaluations/${dossierId}/reviews`, scoresOf(6, 6, 6, 6))).status).toBe(201);
    await h.settled(dossierId);
    expect((await h.reviewer('loop-3').post(`/evaluations/${dossierId}/reviews`, scoresOf(5, 5, 5, 5))).status).toBe(201);
    await h.settled(dossierId);
    const last = await h.reviewer('loop-2').post(`/evaluations/${dossierId}/reviews`, scoresOf(7, 7, 7, 7));
    expect(last.status).toBe(201);
    expect(last.body).toMatchObject({ stage: 'evaluated', blind: false });
    // (60 + 50 + 70) / 3 = 60
    const [done] = await eventsOn(env, EvaluationCompleted, dossierId);
    expect(done).toMatchObject({ reviewCount: 3, rawScore: 60, eliminated: false });
  });
});

describe('concurrent reviews on one dossier', () => {
  it('given three reviewers submitting at the same moment, then every review is kept and the evaluation completes exactly once', async () => {
    const reviewers = ['race-1', 'race-2', 'race-3'];
    const dossier = await inReview(reviewers);
    const answers = await Promise.all(reviewers.map((reviewer, i) => h.reviewer(reviewer).post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(5 + i, 5, 5, 5))));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    // The same review again, concurrently with nothing left to do: refused, nothing changes.
    expect((await h.reviewer('race-1').post(`/evaluations/${dossier.dossierId}/reviews`, scoresOf(9, 9, 9, 9))).status).toBe(409);

    const stored = (await h.settled(dossier.dossierId)) as unknown as { stage: string; reviews: Array<{ reviewerId: string }> };
    expect(stored.stage).toBe('evaluated');
    expect(stored.reviews.map((r) => r.reviewerId).sort()).toEqual(reviewers);
    expect(await eventsOn(env, EvaluationReviewSubmitted, dossier.dossierId, 3)).toHaveLength(3);
    expect(await eventsOn(env, EvaluationCompleted, dossier.dossierId)).toHaveLength(1);
  });
});
