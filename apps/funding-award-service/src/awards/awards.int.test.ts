import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwardGranted, consumerGroupId, DossierAccepted, eventTopicName } from '@aap/contracts';
import { eventually, useTestEnvironment, type ReadMessage } from '@aap/test-harness';
import { LYON, acceptDossier, acceptance, settledAward, useFundingAward, wholeTopic } from '../int-fixtures';

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env);
const finance = () => api().as('finance', { sub: 'finance-1' });
const acceptedTopic = () => eventTopicName(env.prefix, DossierAccepted.topic);
const awardTopic = () => eventTopicName(env.prefix, AwardGranted.topic);

/** Waits until the service's consumer group has committed past `message` (it was handled, or skipped). */
async function consumedPast(message: ReadMessage) {
  await eventually(
    async () => {
      const admin = env.kafka().admin();
      await admin.connect();
      const offsets = await admin.fetchOffsets({ groupId: consumerGroupId(env.prefix, 'funding-award'), topics: [acceptedTopic()] }).finally(() => admin.disconnect());
      const committed = offsets[0]!.partitions.find((p) => p.partition === message.partition)!;
      expect(Number(committed.offset)).toBeGreaterThan(Number(message.offset));
    },
    { timeoutMs: 20_000 },
  );
}

const grantedOnTopic = async (awardId: string) => (await wholeTopic(env, awardTopic())).filter((m) => m.key === awardId && m.headers.ce_type === AwardGranted.type);

describe('an accepted dossier becomes an award', () => {
  it('given dossier.accepted, then the award is granted with its exact rate, the legal schedule and its start deadline, and award.granted is published', async () => {
    const dossierId = randomUUID();
    await acceptDossier(env, publisher(), dossierId);

    const answer = await eventually(async () => {
      const found = await finance().get(`/awards/${dossierId}`);
      expect(found.status).toBe(200);
      return found;
    });
    expect(answer.body).toMatchObject({
      awardId: dossierId,
      dossierId,
      number: 'AAP-2027-000042',
      organisationId: LYON,
      status: 'granted',
      grantCents: 2_000_000,
      eligibleCostCents: 4_000_000,
      effectiveRateBps: 5_000,
      schedule: { advanceBps: 3_000, interimCapBps: 8_000, startWithinMonths: 24, completionWithinMonths: 48 },
      advanceCapCents: 600_000,
      interimCapCents: 1_600_000,
      paidCents: 0,
      releasedCents: 0,
      outstandingCents: 2_000_000,
      startDeadline: '2028-11-20',
      tranches: [],
      // From the service's copies of the dossier as submitted and of its call.
      beneficiary: { name: 'Commune de Lyon', kind: 'commune', organisationId: LYON },
      project: { title: 'Pass numérique lyonnais' },
      funding: { callTitle: 'Pass numérique 2027', programme: 'Pass numérique', budgetProgrammeLine: expect.stringMatching(/^P112 /) },
    });

    await settledAward(env, dossierId);
    const [granted] = await grantedOnTopic(dossierId);
    expect(JSON.parse(granted!.value!)).toMatchObject({ awardId: dossierId, dossierId, callId: 'call-pass-numerique', waveId: 'vague-1', organisationId: LYON, grantCents: 2_000_000, startDeadline: '2028-11-20' });
  });

  it('given the same dossier.accepted delivered twice, and the acceptance again under another event id, then one award, written once, and one award.granted', async () => {
    const dossierId = randomUUID();
    const first = await acceptDossier(env, publisher(), dossierId);
    await publisher().redeliver(first, DossierAccepted); // the same event (same id): what Kafka does after a crash
    const again = await publisher().publish(DossierAccepted, acceptance(dossierId)); // the same fact under a new id: the handler's own idempotence

    // The three copies are really on the topic, in this order on the dossier's partition.
    const delivered = (await wholeTopic(env, acceptedTopic())).filter((m) => m.key === dossierId);
    expect(delivered.map((m) => m.headers.ce_id)).toEqual([first.id, first.id, again.id]);

    // Drive the consumer past the last copy, then count: the award was created and never written again.
    await consumedPast(delivered[2]!);
    const doc = await settledAward(env, dossierId);
    expect(doc.version).toBe(1);
    expect(await grantedOnTopic(dossierId)).toHaveLength(1);
  });
});

describe('who reads an award', () => {
  let awardId: string;

  beforeAll(async () => {
    awardId = randomUUID();
    await acceptDossier(env, publisher(), awardId);
    await eventually(async () => expect((await finance().get(`/awards/${awardId}`)).status).toBe(200));
  });

  it('given finance, a programme manager, an operator and the owning organisation, then each reads it', async () => {
    for (const requester of [finance(), api().as('programme-manager'), api().as('admin'), api().as('applicant', { org: LYON })]) {
      expect((await requester.get(`/awards/${awardId}`)).status).toBe(200);
    }
  });

  it('given another organisation, or an award that does not exist, then the same 404 problem', async () => {
    const other = await api().as('applicant', { org: '216902668' }).get(`/awards/${awardId}`);
    const missing = await finance().get(`/awards/${randomUUID()}`);
    for (const answer of [other, missing]) {
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('given a reviewer, the committee or no token, then the route refuses them', async () => {
    expect((await api().as('reviewer').get(`/awards/${awardId}`)).status).toBe(403);
    expect((await api().as('committee').get(`/awards/${awardId}`)).status).toBe(403);
    expect((await api().anonymous().get(`/awards/${awardId}`)).status).toBe(401);
  });
});
