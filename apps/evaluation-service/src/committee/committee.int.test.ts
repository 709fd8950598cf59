import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommitteePromotionProposed, DossierAccepted, DossierWaitlisted } from '@aap/contracts';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { testCall, testDossier } from '../testing/fixtures';
import { reopen } from './decision';
import { startApproval, startRelease } from './envelope';
import { UNFINISHED_AFTER_MS } from './envelope.process';
import { startCommittee, uniformReviews } from './testing';

const env = useTestEnvironment();
let h: Awaited<ReturnType<typeof startCommittee>>;

beforeAll(async () => {
  h = await startCommittee(env);
}, 60_000);
afterAll(() => h.stop());

// Grants 10 k€–150 k€ at most 50 % of the eligible cost; each dossier asks 100 k€ on 200 k€ (cap 100 k€).
const GRANT = 10_000_000;
const decide = (dossierId: string, body: object, sub = 'committee-1') => h.committee(sub).post(`/evaluations/${dossierId}/decision`, body);
const rankingPath = (callId: string, waveId = 'vague-1') => `/calls/${callId}/waves/${waveId}/ranking`;

describe('committee: ranked list and decisions within the envelope', () => {
  // 250 k€: two grants of 100 k€ fit, the third does not.
  const call = testCall({ budgetEnvelopeCents: 25_000_000 });
  const [a, b, c, d] = [0, 1, 2, 3].map(() => testDossier(call));

  beforeAll(async () => {
    await h.publishCall(call);
    await h.evaluated(call, a!, uniformReviews(8));
    await h.evaluated(call, b!, uniformReviews(7));
    await h.evaluated(call, c!, uniformReviews(6));
    // "Modèle économique" (3rd criterion, pass threshold 3) at 2: eliminated.
    await h.evaluated(call, d!, { 'reviewer-a': [9, 9, 2, 9], 'reviewer-b': [9, 9, 2, 9], 'reviewer-c': [9, 9, 2, 9] });
  }, 120_000);

  it('ranks the wave with both scores, the proposal and its running budget, and lists the eliminated dossier after it with its reason', async () => {
    const answer = await h.committee().get(rankingPath(call.callId));
    expect(answer.status).toBe(200);
    const list = answer.body;
    expect(list).toMatchObject({ rankBy: 'normalised', rankedCount: 3, eliminatedCount: 1, total: 4, envelope: { envelopeCents: 25_000_000, committedCents: 0, remainingCents: 25_000_000, proposedCents: 2 * GRANT } });
    expect(list.tieBreak).toContain('submittedAt');
    expect(list.items.map((row: any) => [row.number, row.rank, row.rawScore, row.proposal, row.proposedGrantCents, row.remainingCents])).toEqual([
      [a!.number, 1, 80, 'approve', GRANT, 15_000_000],
      [b!.number, 2, 70, 'approve', GRANT, 5_000_000],
      [c!.number, 3, 60, 'waitlist', 0, 5_000_000],
      [d!.number, null, 76, 'reject', 0, null],
    ]);
    expect(list.items[0]).toMatchObject({ normalisedScore: 80, capCents: GRANT, applicant: a!.applicant.name, reviewCount: 3, decision: null });
    expect(list.items[3]).toMatchObject({ eliminated: true, flags: ['eliminated'], reasons: [expect.stringContaining('Modèle économique: mean score 2.00 is below its pass threshold 3')] });

    const page = await h.committee().get(rankingPath(call.callId), { query: { page: 2, pageSize: 3 } });
    expect(page.body.items.map((row: any) => row.number)).toEqual([d!.number]);
  });

  it('refuses an approval above the cap or below the minimum, a rejection without motivation, and any approval of an eliminated dossier', async () => {
    const aboveCap = await decide(a!.dossierId, { decision: 'approve', grantCents: GRANT + 1 });
    expect(aboveCap.status).toBe(422);
    expect(aboveCap.headers['content-type']).toContain('application/problem+json');
    expect(aboveCap.body.errors).toEqual([expect.objectContaining({ name: 'grant-within-cap', pointer: '/grantCents' })]);
    expect((await decide(a!.dossierId, { decision: 'approve', grantCents: 999_999 })).body.errors).toEqual([expect.objectContaining({ name: 'grant-minimum' })]);
    expect((await decide(a!.dossierId, { decision: 'reject' })).body.errors).toEqual([expect.objectContaining({ name: 'motivation-required', pointer: '/motivation' })]);
    expect((await decide(d!.dossierId, { decision: 'approve' })).body.errors).toEqual([expect.objectContaining({ name: 'dossier-eliminated' })]);
    expect((await decide(d!.dossierId, { decision: 'waitlist' })).body.errors).toEqual([expect.objectContaining({ name: 'dossier-eliminated' })]);
    // Nothing was held by the refused approvals.
    expect(await h.envelopes.get(call.callId)).toBeNull();

    const rejected = await decide(d!.dossierId, { decision: 'reject', motivation: 'Modèle économique insuffisant.' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ stage: 'decided', dossierStatus: 'rejected', decision: { kind: 'rejected', decidedBy: 'committee-1' } });
  });

  it('approves within the envelope, refuses beyond it with envelope-exceeded naming what is left and what was asked, and waitlists with a reserve rank', async () => {
    const approved = await decide(a!.dossierId, { decision: 'approve', grantCents: GRANT, motivation: 'Projet structurant.' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ dossierStatus: 'accepted', decision: { kind: 'approved', grantCents: GRANT, decidedBy: 'committee-1' }, envelope: { committedCents: GRANT, remainingCents: 15_000_000 } });
    expect((await decide(a!.dossierId, { decision: 'approve' })).status).toBe(409);
    expect((await decide(b!.dossierId, { decision: 'approve' })).status).toBe(200);

    const exceeded = await decide(c!.dossierId, { decision: 'approve' });
    expect(exceeded.status).toBe(422);
    expect(exceeded.body.errors).toEqual([expect.objectContaining({ name: 'envelope-exceeded', detail: expect.stringMatching(/5000000 cents left.*10000000 cents asked/) })]);
    expect((await h.stored(c!.dossierId))!.stage).toBe('evaluated');

    const waitlisted = await decide(c!.dossierId, { decision: 'waitlist', motivation: 'Enveloppe épuisée, liste complémentaire.' });
    expect(waitlisted.body).toMatchObject({ dossierStatus: 'waitlisted', decision: { kind: 'waitlisted', rank: 1 } });

    const envelope = await h.envelopes.get(call.callId);
    expect(envelope).toMatchObject({ envelopeCents: 25_000_000, reservedCents: 2 * GRANT, reservations: { [a!.dossierId]: GRANT, [b!.dossierId]: GRANT } });
    const accepted = await h.eventsOf(DossierAccepted, 2);
    expect(accepted.filter((e) => e.callId === call.callId).map((e) => [e.dossierId, e.grantCents, e.stateRateBps, e.eligibleCostCents])).toEqual(
      expect.arrayContaining([[a!.dossierId, GRANT, 5_000, 20_000_000], [b!.dossierId, GRANT, 5_000, 20_000_000]]),
    );
    expect((await h.eventsOf(DossierWaitlisted)).find((e) => e.dossierId === c!.dossierId)).toMatchObject({ rank: 1 });
  });

  it('reopens an approval: the grant comes back and the best waitlisted dossier that fits is proposed, on the topic and in the ranked list', async () => {
    expect((await h.committee().post(`/evaluations/${a!.dossierId}/decision/reopen`, { motivation: '  ' })).body.errors).toEqual([expect.objectContaining({ name: 'motivation-required' })]);
    const reopened = await h.committee('committee-2').post(`/evaluations/${a!.dossierId}/decision/reopen`, { motivation: 'Budget du projet revu.' });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ stage: 'evaluated', dossierStatus: 'under-review', decision: null, envelope: { committedCents: GRANT, remainingCents: 15_000_000 } });
    expect(reopened.body.decisions).toEqual([expect.objectContaining({ kind: 'approved', decidedBy: 'committee-1', reopenedBy: 'committee-2', reopenMotivation: 'Budget du projet revu.' })]);

    const proposals = await eventually(async () => {
      const events = (await h.eventsOf(CommitteePromotionProposed)).filter((e) => e.callId === call.callId);
      expect(events).toHaveLength(1);
      return events;
    });
    expect(proposals[0]).toMatchObject({ dossierId: c!.dossierId, number: c!.number, proposedGrantCents: GRANT, freedCents: GRANT, remainingEnvelopeCents: 15_000_000, freedBy: `decision-reopened of ${a!.number}` });

    await eventually(async () => {
      const list = (await h.committee().get(rankingPath(call.callId))).body;
      expect(list.promotions).toEqual([expect.objectContaining({ dossierId: c!.dossierId, proposedGrantCents: GRANT })]);
      expect(list.items.find((row: any) => row.dossierId === c!.dossierId)).toMatchObject({ promotionProposed: true, flags: ['promotion-proposed'], decision: { kind: 'waitlisted' } });
    });

    // The committee follows the proposal: the promotion is settled.
    expect((await decide(c!.dossierId, { decision: 'approve' }, 'committee-2')).status).toBe(200);
    const after = (await h.committee().get(rankingPath(call.callId))).body;
    expect(after.promotions).toEqual([]);
    expect(after.envelope).toMatchObject({ committedCents: 2 * GRANT, remainingCents: 5_000_000 });
  });

  it('exports the minutes: every decision of the wave, the reopened one too, with who decided and when', async () => {
    const answer = await h.manager().get(`/calls/${call.callId}/waves/vague-1/minutes.csv`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('text/csv');
    const lines = (answer.body as string).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('numéro,porteur,projet,décision,montant (centimes),rang liste complémentaire,motivation,décidé par,décidé le,en vigueur,réouvert par,réouvert le,motif de réouverture');
    expect(lines).toHaveLength(1 + 5);
    const lineOf = (number: string, kind: string) => lines.find((line) => line.startsWith(number) && line.includes(`,${kind},`))!;
    expect(lineOf(a!.number, 'approved')).toMatch(/,10000000,,Projet structurant\.,committee-1,\d{4}-\d\d-\d\dT[^,]+Z,non,committee-2,\d{4}-[^,]+Z,Budget du projet revu\.$/);
    expect(lineOf(c!.number, 'waitlisted')).toContain(',waitlisted,,1,"Enveloppe épuisée, liste complémentaire.",committee-1,');
    expect(lineOf(c!.number, 'approved')).toContain(',committee-2,');
    expect(lineOf(d!.number, 'rejected')).toContain('Modèle économique insuffisant.,committee-1,');

    const ranking = await h.committee().get(`/calls/${call.callId}/waves/vague-1/ranking.csv`);
    expect(ranking.status).toBe(200);
    const rows = (ranking.body as string).trim().split('\r\n');
    expect(rows).toHaveLength(1 + 4);
    expect(rows[1]).toContain(`${a!.number},${a!.applicant.name}`);
  });

  it('lets only the committee decide, and never an applicant or a reviewer read the ranked list', async () => {
    for (const requester of [h.as('applicant', { org: a!.applicant.organisationId }), h.reviewer('reviewer-a'), h.manager()]) {
      expect((await requester.post(`/evaluations/${b!.dossierId}/decision`, { decision: 'reject', motivation: 'Non.' })).status).toBe(403);
      expect((await requester.post(`/evaluations/${b!.dossierId}/decision/reopen`, { motivation: 'Non.' })).status).toBe(403);
    }
    for (const requester of [h.as('applicant', { org: a!.applicant.organisationId }), h.reviewer('reviewer-a')]) {
      expect((await requester.get(rankingPath(call.callId))).status).toBe(403);
      expect((await requester.get(`${rankingPath(call.callId)}.csv`)).status).toBe(403);
      expect((await requester.get(`/calls/${call.callId}/waves/vague-1/minutes.csv`)).status).toBe(403);
    }
    expect((await h.manager().get(rankingPath(call.callId))).status).toBe(200);
    expect((await h.committee().get(rankingPath(call.callId, 'vague-9'))).status).toBe(404);
    expect((await decide('d-missing', { decision: 'reject', motivation: 'x' })).status).toBe(404);
    expect((await h.stored(b!.dossierId))!.stage).toBe('decided');
  });
});

describe('committee: a withdrawn dossier gives back what it held', () => {
  it('releases the hold of a withdrawn dossier and proposes the best waitlisted dossier that fits', async () => {
    const call = testCall({ budgetEnvelopeCents: GRANT });
    const [held, reserveList] = [testDossier(call), testDossier(call)];
    await h.publishCall(call);
    await h.evaluated(call, held, uniformReviews(9));
    await h.evaluated(call, reserveList, uniformReviews(5));
    expect((await decide(reserveList.dossierId, { decision: 'waitlist' })).status).toBe(200);
    // The promotion reads the waitlist from the scoreboard: a decision is on it as soon as it is answered
    // (the request writes the dossier's line; its event writes the same line again, a hop later).
    const list = (await h.committee().get(rankingPath(call.callId))).body;
    expect(list.items.find((row: any) => row.dossierId === reserveList.dossierId)?.decision?.kind).toBe('waitlisted');
    // An approval in progress (its request still running, or gone since): the grant held on the envelope, the decision not recorded yet.
    await h.envelopes.decide(call, (envelope) => startApproval(envelope, { dossierId: held.dossierId, grantCents: GRANT, by: 'committee-1', at: new Date() }));
    expect((await decide(reserveList.dossierId, { decision: 'approve' })).body.errors).toEqual([expect.objectContaining({ name: 'envelope-exceeded' })]);

    await h.withdraw(held);
    const envelope = await eventually(async () => {
      const current = await h.envelopes.get(call.callId);
      expect(current?.reservedCents).toBe(0);
      return current!;
    });
    expect(envelope.approvals).toEqual([]);
    expect(envelope.promotions).toEqual([expect.objectContaining({ dossierId: reserveList.dossierId, freedCents: GRANT, freedBy: `withdrawal of ${held.number}` })]);
    expect((await h.stored(held.dossierId))!.stage).toBe('withdrawn');
    const proposals = await eventually(async () => {
      const events = (await h.eventsOf(CommitteePromotionProposed)).filter((e) => e.callId === call.callId);
      expect(events).toHaveLength(1);
      return events;
    });
    expect(proposals[0]).toMatchObject({ dossierId: reserveList.dossierId, proposedGrantCents: GRANT });
  });
});

describe('committee: an approval whose request is gone finishes by itself', () => {
  it('records the decision the committee asked for (once), or gives the hold back when the dossier moved on, from the approval stored on the envelope', async () => {
    const call = testCall({ budgetEnvelopeCents: 3 * GRANT });
    const [interrupted, movedOn] = [testDossier(call), testDossier(call)];
    await h.publishCall(call);
    await h.evaluated(call, interrupted, uniformReviews(8));
    await h.evaluated(call, movedOn, uniformReviews(7));
    expect((await decide(movedOn.dossierId, { decision: 'reject', motivation: 'Projet hors périmètre.' })).status).toBe(200);

    // Two requests that crashed after step 1 (hold + approval in progress), longer ago than the sweep waits.
    const at = new Date(Date.now() - UNFINISHED_AFTER_MS - 1_000);
    for (const dossier of [interrupted, movedOn]) {
      const { decision } = await h.envelopes.decide(call, (envelope) => startApproval(envelope, { dossierId: dossier.dossierId, grantCents: GRANT, motivation: 'Projet structurant.', by: 'committee-7', at }));
      expect(decision.outcome).toBe('accepted');
    }

    // The sweep (every scheduler tick) runs steps 2 and 3 from the stored approvals.
    const envelope = await eventually(async () => {
      const current = (await h.envelopes.get(call.callId))!;
      expect(current.approvals).toEqual([]);
      return current;
    });
    expect(envelope).toMatchObject({ reservedCents: GRANT, reservations: { [interrupted.dossierId]: GRANT } });
    const recorded = (await h.store.get(interrupted.dossierId))!;
    expect(recorded).toMatchObject({ stage: 'decided', dossierStatus: 'accepted', decision: { kind: 'approved', grantCents: GRANT, motivation: 'Projet structurant.', decidedBy: 'committee-7', decidedAt: at } });
    expect(recorded.decisions).toHaveLength(1);
    expect((await h.store.get(movedOn.dossierId))!.decision).toMatchObject({ kind: 'rejected' });

    // A second recorded approval would be a second entry in the history (above) and a second dossier.accepted on the topic.
    await h.settled(interrupted.dossierId);
    const accepted = (await h.eventsOf(DossierAccepted)).filter((e) => e.callId === call.callId);
    expect(accepted.filter((e) => e.dossierId === interrupted.dossierId)).toHaveLength(1);
    expect(accepted.filter((e) => e.dossierId === movedOn.dossierId)).toHaveLength(0);
  });

  /** An approved dossier whose reopening's request recorded step 1 (the release in progress) long enough ago for the sweep, then was gone. */
  async function releaseStartedLongAgo() {
    const call = testCall({ budgetEnvelopeCents: 3 * GRANT });
    const dossier = testDossier(call);
    await h.publishCall(call);
    await h.evaluated(call, dossier, uniformReviews(8));
    expect((await decide(dossier.dossierId, { decision: 'approve' })).status).toBe(200);
    const at = new Date(Date.now() - UNFINISHED_AFTER_MS - 1_000);
    await h.envelopes.decide(call, (envelope) => startRelease(envelope, { dossierId: dossier.dossierId, freedBy: `decision-reopened of ${dossier.number}`, at }));
    const recordReopening = () => h.store.commands.handleExisting(dossier.dossierId, (state) => reopen(state, { motivation: 'Montant à revoir.', by: 'committee-7' }, at));
    return { call, recordReopening };
  }

  const everythingGivenBack = (callId: string) =>
    eventually(async () => {
      const current = (await h.envelopes.get(callId))!;
      expect(current).toMatchObject({ releases: [], reservedCents: 0 });
      expect(current.reservations).toEqual({});
    });

  it("gives an approval's grant back when its reopening was recorded but the request is gone before the release", async () => {
    // A request that crashed after steps 1 and 2: the release in progress, the reopening recorded, the grant still held.
    const { call, recordReopening } = await releaseStartedLongAgo();
    expect((await recordReopening())?.after).toMatchObject({ stage: 'evaluated' });

    // The sweep may find the release before the reopening is recorded (and keep the money); the reopening's event then gives it back.
    await everythingGivenBack(call.callId);
  });

  it('gives the grant back when the sweep kept it before the reopening was recorded (a request slower than the sweep, gone after its step 2)', async () => {
    // Step 2 not recorded yet: the sweep settles the release keeping the money (the dossier is still approved).
    const { call, recordReopening } = await releaseStartedLongAgo();
    await eventually(async () => expect((await h.envelopes.get(call.callId))!).toMatchObject({ releases: [], reservedCents: GRANT }));

    // Step 2 lands after, and its request is gone: the reopening's event gives the money back.
    await recordReopening();
    await everythingGivenBack(call.callId);
  });
});
