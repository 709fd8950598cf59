import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AwardGranted, CallPublished, DossierAccepted, DossierResubmitted, DossierSubmitted, eventTopicName } from '@aap/contracts';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { LYON, acceptance, publishedCall, settledAward, submission, submittedDossier, useFundingAward, wholeTopic } from '../int-fixtures';

/**
 * The award's data at grant, from the service's own copies of the call and of the dossier as
 * submitted (their events on the real broker, the copies in the real database): the beneficiary, the
 * project, the call's budget line and payment schedule. An acceptance read before those copies waits
 * (parked, retried) and is applied once they arrive. The consumer retries often enough here for the
 * copies published after the acceptance to be there before it gives up.
 */

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env, { CONSUMER_MAX_ATTEMPTS: '60', CONSUMER_RETRY_MAX_MS: '250' });
const finance = () => api().as('finance', { sub: 'finance-1' });

/** A call of its own for each test (its own schedule), so nothing depends on another test's copy. */
const callOfItsOwn = () => publishedCall({ callId: `call-${randomUUID()}`, title: 'Fabriques numériques de territoire', programme: 'France services', paymentSchedule: { advanceBps: 2_000, interimCapBps: 7_000 } });

const awardOf = (awardId: string) =>
  eventually(async () => {
    const answer = await finance().get(`/awards/${awardId}`);
    expect(answer.status).toBe(200);
    return answer.body;
  });

/** Both the award and award.granted carry what the call and the dossier said, nothing personal. */
async function expectGrantedFrom(awardId: string, call: ReturnType<typeof callOfItsOwn>, title: string) {
  const expected = {
    beneficiaryKind: 'commune',
    beneficiary: { name: 'Commune de Lyon', kind: 'commune', organisationId: LYON },
    project: { title, startDate: '2027-01-04', endDate: '2028-06-30' },
    funding: { callTitle: call.title, programme: call.programme, budgetProgrammeLine: call.budgetProgrammeLine },
  };
  const award = await awardOf(awardId);
  const { beneficiaryKind: _kind, ...shown } = expected;
  expect(award).toMatchObject({ ...shown, schedule: { advanceBps: 2_000, interimCapBps: 7_000 }, advanceCapCents: 400_000, interimCapCents: 1_400_000 });

  await settledAward(env, awardId);
  const granted = (await wholeTopic(env, eventTopicName(env.prefix, AwardGranted.topic))).filter((m) => m.key === awardId && m.headers.ce_type === AwardGranted.type);
  expect(granted).toHaveLength(1);
  const data = JSON.parse(granted[0]!.value!);
  expect(data).toMatchObject({ ...expected, schedule: { advanceBps: 2_000, interimCapBps: 7_000 } });
  expect(granted[0]!.value).not.toContain('camille');
}

describe('an award carries the call and the dossier it was granted on', () => {
  it('given a call published, a dossier submitted then resubmitted, and its acceptance, then the award takes the call’s schedule and budget line, and the beneficiary and project as last submitted', async () => {
    const call = callOfItsOwn();
    const dossierId = randomUUID();
    const dossier = submittedDossier(dossierId, { callId: call.callId, title: 'Pass numérique lyonnais' });
    const complemented = submittedDossier(dossierId, { callId: call.callId, title: 'Pass numérique lyonnais, quartiers prioritaires' });
    await publisher().publish(CallPublished, { call });
    await publisher().publish(DossierSubmitted, submission(dossier), { time: '2026-10-15T10:00:00.000Z' });
    await publisher().publish(DossierResubmitted, { ...submission(complemented), complementRequestId: 'c-1', answer: 'Périmètre précisé' }, { time: '2026-10-20T10:00:00.000Z' });
    // The first submission again, late and under another event id (so the inbox does not skip it): the copy's guard keeps the resubmission.
    const late = await publisher().publish(DossierSubmitted, submission(dossier), { time: '2026-10-15T10:00:00.000Z' });
    const db = env.database('funding-award');
    await eventually(async () => expect(await db.collection('processed_events').findOne({ _id: late.id as never })).not.toBeNull());
    expect(await db.collection('dossier_copies').findOne({ _id: dossierId as never })).toMatchObject({ project: { title: complemented.project.title } });

    // The committee decides on the resubmitted dossier: its acceptance comes after the resubmission.
    await publisher().publish(DossierAccepted, { ...acceptance(dossierId), callId: call.callId });

    await expectGrantedFrom(dossierId, call, 'Pass numérique lyonnais, quartiers prioritaires');
  });

  it('given the acceptance read before the call and the dossier, then no award until their copies arrive, then the award with all of it', async () => {
    const call = callOfItsOwn();
    const dossierId = randomUUID();
    await publisher().publish(DossierAccepted, { ...acceptance(dossierId), callId: call.callId });

    // Handled and failed for want of the copies: parked (to be retried), and no award with holes.
    const parked = env.database('funding-award').collection<{ key: string; lastError?: string }>('parked_events');
    await eventually(async () => expect(await parked.findOne({ key: dossierId })).toMatchObject({ lastError: expect.stringMatching(/no copy of (dossier|call)/) }));
    expect((await finance().get(`/awards/${dossierId}`)).status).toBe(404);

    await publisher().publish(CallPublished, { call });
    await publisher().publish(DossierSubmitted, submission(submittedDossier(dossierId, { callId: call.callId, title: 'Pass numérique lyonnais' })));

    await expectGrantedFrom(dossierId, call, 'Pass numérique lyonnais');
    await eventually(async () => expect(await parked.findOne({ key: dossierId })).toBeNull());
  });
});
