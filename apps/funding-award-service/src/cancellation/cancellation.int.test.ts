import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AwardAmountReleased, AwardCancelled, AwardGranted, DossierAccepted, DossierDecisionReopened, DossierWithdrawn, eventTopicName, type EventData } from '@aap/contracts';
import { eventually, type HttpAnswer } from '@aap/test-harness';
import { useTestEnvironment } from '@aap/test-harness';
import { LYON, acceptDossier, acceptance, awardActors, ok, prepareAcceptance, settledAward, useFundingAward, wholeTopic } from '../int-fixtures';

/**
 * Withdrawal and acceptance come on two topics (submission's, evaluation's), so either may be
 * consumed first: whatever the order, the award ends cancelled with its whole grant released once,
 * and nothing can be requested, released or paid on it. A reopened decision cancels the award too; a
 * later acceptance grants it anew. The beneficiary may renounce.
 */

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env);
const { beneficiary, finance, validatedAdvance } = awardActors(env, api, publisher);
const awardsCollection = () => env.database('funding-award').collection<{ _id: string; status: string; version: number }>('awards');

const withdrawal = (dossierId: string): EventData<typeof DossierWithdrawn> => {
  const { number, callId, waveId, organisationId } = acceptance(dossierId);
  return { dossierId, number, callId, waveId, organisationId, reason: 'Projet reporté', withdrawnAt: '2026-11-20T08:59:00.000Z', requestedGrantCents: 2_000_000 };
};


function conflicting(answer: HttpAnswer) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(409);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  expect(answer.body.errors).toEqual([expect.objectContaining({ name: 'award-status' })]);
}

const statusOf = async (awardId: string) => (await finance(1).get(`/awards/${awardId}`)).body?.status as string | undefined;

/** Each award's events once its outbox is published, one per event id (a relay publishes at least once). */
async function eventsOfAll(awardIds: string[]) {
  await Promise.all(awardIds.map((awardId) => settledAward(env, awardId)));
  const messages = await wholeTopic(env, eventTopicName(env.prefix, AwardGranted.topic));
  return awardIds.map((awardId) => [
    ...new Map(messages.filter((m) => m.key === awardId).map((m) => [m.headers.ce_id, { type: m.headers.ce_type!, data: JSON.parse(m.value!) }])).values(),
  ]);
}
const eventsOf = async (awardId: string) => (await eventsOfAll([awardId]))[0]!;

/** Granted, cancelled for the withdrawal, the whole grant released: each once. */
async function cancelledOnceForTheWithdrawal(awardId: string, events?: Awaited<ReturnType<typeof eventsOf>>) {
  events ??= await eventsOf(awardId);
  expect(events.map((e) => e.type)).toEqual([AwardGranted.type, AwardCancelled.type, AwardAmountReleased.type]);
  expect(events[1]!.data).toMatchObject({ cause: 'dossier-withdrawn', reason: 'Projet reporté' });
  expect(events[2]!.data).toMatchObject({ amountCents: 2_000_000, cause: 'cancellation', cancellationCause: 'dossier-withdrawn' });
}

/** Nothing can be started or asked on it any more. */
async function nothingCanBeAsked(awardId: string) {
  conflicting(await beneficiary().post(`/awards/${awardId}/execution-start`, { startedOn: '2026-12-01' }));
  conflicting(await beneficiary().post(`/awards/${awardId}/tranches/advance`, {}));
}

describe('a withdrawal consumed before the acceptance', () => {
  it('given the dossier withdrawn first, when its acceptance is consumed, then the award is granted and cancelled at once, its grant released once', async () => {
    const dossierId = randomUUID();
    await publisher().publish(DossierWithdrawn, withdrawal(dossierId));
    await eventually(async () => expect(await awardsCollection().findOne({ _id: dossierId })).toMatchObject({ status: 'withdrawn-before-grant' }));
    expect((await finance(1).get(`/awards/${dossierId}`)).status).toBe(404); // not an award
    expect((await beneficiary().post(`/awards/${dossierId}/renunciation`, { reason: 'x' })).status).toBe(404);

    await acceptDossier(env, publisher(), dossierId);
    await eventually(async () => expect(await statusOf(dossierId)).toBe('cancelled'));
    expect((await finance(1).get(`/awards/${dossierId}`)).body).toMatchObject({ grantCents: 2_000_000, releasedCents: 2_000_000, outstandingCents: 0, paidCents: 0 });
    await cancelledOnceForTheWithdrawal(dossierId);
    await nothingCanBeAsked(dossierId);
  });
});

describe('a withdrawal consumed after the acceptance', () => {
  it('given an award with its advance released, when the dossier is withdrawn, then the tranche is cancelled: it can be neither paid nor released again', async () => {
    const { awardId: dossierId, trancheId } = await validatedAdvance();
    ok(await finance(2).post(`/awards/${dossierId}/tranches/${trancheId}/release`));

    await publisher().publish(DossierWithdrawn, withdrawal(dossierId));
    await eventually(async () => expect(await statusOf(dossierId)).toBe('cancelled'));
    const award = ok(await finance(1).get(`/awards/${dossierId}`));
    expect(award).toMatchObject({ paidCents: 0, releasedCents: 2_000_000, tranches: [{ trancheId, status: 'cancelled' }] });
    conflicting(await finance(2).post(`/awards/${dossierId}/tranches/${trancheId}/payment`, { paymentReference: 'CHORUS-1', paidOn: '2026-12-05' }));
    conflicting(await finance(3).post(`/awards/${dossierId}/tranches/${trancheId}/release`));
    const released = (await eventsOf(dossierId)).filter((e) => e.type === AwardAmountReleased.type);
    expect(released.map((e) => e.data)).toEqual([expect.objectContaining({ amountCents: 2_000_000, cancellationCause: 'dossier-withdrawn' })]);
  });
});

describe('a withdrawal racing the acceptance', () => {
  it('given both published at once, in both orders, for six dossiers, then each award ends cancelled after exactly two writes, its grant released once', async () => {
    const dossiers = Array.from({ length: 6 }, () => randomUUID());
    // The call and the dossiers as submitted first: what races is the withdrawal and the acceptance.
    const acceptances = await Promise.all(dossiers.map((dossierId) => prepareAcceptance(env, publisher(), dossierId)));
    await Promise.all(
      dossiers.map((dossierId, i) => {
        const both = [() => publisher().publish(DossierWithdrawn, withdrawal(dossierId)), () => publisher().publish(DossierAccepted, acceptances[i]!)];
        return Promise.all((i % 2 ? both.reverse() : both).map((publish) => publish()));
      }),
    );
    await Promise.all(dossiers.map((dossierId) => eventually(async () => expect(await statusOf(dossierId)).toBe('cancelled'), { timeoutMs: 60_000 })));
    const events = await eventsOfAll(dossiers);
    for (const [i, dossierId] of dossiers.entries()) {
      // Either order: the first write (the award, or the withdrawal remembered) and the second (cancelled, or granted and cancelled).
      expect((await settledAward(env, dossierId)).version).toBe(2);
      await cancelledOnceForTheWithdrawal(dossierId, events[i]);
      await nothingCanBeAsked(dossierId);
    }
  }, 120_000);
});

describe('a reopened decision', () => {
  it('given an award, when the committee reopens its decision, then it is cancelled (the release says why); a later acceptance grants it anew', async () => {
    const dossierId = randomUUID();
    await acceptDossier(env, publisher(), dossierId);
    await eventually(async () => expect(await statusOf(dossierId)).toBe('granted'));
    const { number, callId, waveId, organisationId } = acceptance(dossierId);
    await publisher().publish(DossierDecisionReopened, { dossierId, number, callId, waveId, organisationId, at: '2026-11-25T09:00:00.000Z', reason: 'Recours gracieux' });
    await eventually(async () => expect(await statusOf(dossierId)).toBe('cancelled'));
    const events = await eventsOf(dossierId);
    expect(events.slice(1)).toEqual([
      { type: AwardCancelled.type, data: expect.objectContaining({ cause: 'decision-reopened', reason: 'Recours gracieux' }) },
      { type: AwardAmountReleased.type, data: expect.objectContaining({ amountCents: 2_000_000, cause: 'cancellation', cancellationCause: 'decision-reopened' }) },
    ]);

    await publisher().publish(DossierAccepted, { ...acceptance(dossierId), at: '2026-12-01T09:00:00.000Z', grantCents: 1_500_000 });
    await eventually(async () => expect(await statusOf(dossierId)).toBe('granted'));
    expect(ok(await finance(1).get(`/awards/${dossierId}`))).toMatchObject({ grantCents: 1_500_000, releasedCents: 0, outstandingCents: 1_500_000, startDeadline: '2028-12-01' });
    expect((await eventsOf(dossierId)).map((e) => e.type)).toEqual([AwardGranted.type, AwardCancelled.type, AwardAmountReleased.type, AwardGranted.type]);
  });
});

describe('the beneficiary renounces', () => {
  it('given an award, when its beneficiary renounces with a reason, then it is cancelled and its grant released; without a reason, or as finance or another organisation, refused', async () => {
    const dossierId = randomUUID();
    await acceptDossier(env, publisher(), dossierId);
    await eventually(async () => expect(await statusOf(dossierId)).toBe('granted'));

    const empty = await beneficiary().post(`/awards/${dossierId}/renunciation`, { reason: ' ' });
    expect(empty.status).toBe(400);
    expect(empty.headers['content-type']).toContain('application/problem+json');
    expect(empty.body.errors).toEqual([expect.objectContaining({ name: 'reason' })]);
    expect((await finance(1).post(`/awards/${dossierId}/renunciation`, { reason: 'Projet abandonné' })).status).toBe(403);
    expect((await api().as('applicant', { org: '216902668' }).post(`/awards/${dossierId}/renunciation`, { reason: 'Projet abandonné' })).status).toBe(404);

    expect(ok(await beneficiary().post(`/awards/${dossierId}/renunciation`, { reason: 'Projet abandonné' }))).toMatchObject({ status: 'cancelled', releasedCents: 2_000_000 });
    const events = await eventsOf(dossierId);
    expect(events.slice(1)).toEqual([
      { type: AwardCancelled.type, data: expect.objectContaining({ cause: 'renounced', reason: 'Projet abandonné' }) },
      { type: AwardAmountReleased.type, data: expect.objectContaining({ amountCents: 2_000_000, cancellationCause: 'renounced' }) },
    ]);
    await nothingCanBeAsked(dossierId);
  });
});
