import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwardAmountReleased, CommitteePromotionProposed, consumerGroupId, eventTopicName, type DossierSnapshot, type EventData } from '@aap/contracts';
import { eventually, useTestEnvironment, type ReadMessage } from '@aap/test-harness';
import { publishedOn, testCall, testDossier } from '../testing/fixtures';
import { startCommittee, uniformReviews } from './testing';

const env = useTestEnvironment();
let h: Awaited<ReturnType<typeof startCommittee>>;

beforeAll(async () => {
  h = await startCommittee(env);
}, 60_000);
afterAll(() => h.stop());

const GRANT = 10_000_000;
const releasedTopic = () => eventTopicName(env.prefix, AwardAmountReleased.topic);
const decide = (dossierId: string, body: object, sub = 'committee-1') => h.committee(sub).post(`/evaluations/${dossierId}/decision`, body);
const rankingOf = async (callId: string) => (await h.committee().get(`/calls/${callId}/waves/vague-1/ranking`, { query: { pageSize: 100 } })).body;

type Release = EventData<typeof AwardAmountReleased>;

/** funding-award's release of part of an award (the award id is the dossier id), as it publishes it. */
const release = (dossier: DossierSnapshot, amountCents: number, cause: Release['cause'], cancellationCause?: Release['cancellationCause']): Release => ({
  awardId: dossier.dossierId,
  dossierId: dossier.dossierId,
  number: dossier.number,
  callId: dossier.callId,
  waveId: dossier.waveId,
  organisationId: dossier.applicant.organisationId,
  at: new Date().toISOString(),
  amountCents,
  cause,
  ...(cancellationCause ? { cancellationCause } : {}),
});

/** The copies of the award's releases on the topic (key = award id), in partition order. */
const releasesOnTopic = async (awardId: string) => (await publishedOn(env, releasedTopic())).filter((m) => m.key === awardId && m.headers.ce_type === AwardAmountReleased.type);

/** Waits until the evaluation's consumer group has committed past `message` (it was handled, or skipped as a duplicate). */
async function consumedPast(message: ReadMessage) {
  await eventually(
    async () => {
      const admin = env.kafka().admin();
      await admin.connect();
      const offsets = await admin.fetchOffsets({ groupId: consumerGroupId(env.prefix, 'evaluation'), topics: [releasedTopic()] }).finally(() => admin.disconnect());
      const committed = offsets[0]!.partitions.find((p) => p.partition === message.partition)!;
      expect(Number(committed.offset)).toBeGreaterThan(Number(message.offset));
    },
    { timeoutMs: 20_000 },
  );
}

describe("award.amount-released: money funding-award will never pay comes back to the call's envelope", () => {
  it('gives the released amount back once (the same event redelivered, the same release under another id, racing an approval), and proposes the waitlisted dossier that now fits, in the ranked list too', async () => {
    // 130 k€: A approved at 100 k€ and C at 20 k€ leave 10 k€; B (40 k€) waits on the reserve list.
    const call = testCall({ budgetEnvelopeCents: 13_000_000 });
    const approved = testDossier(call);
    const waitlisted = testDossier(call, { requestedGrantCents: 4_000_000, eligibleCostCents: 8_000_000 });
    const racing = testDossier(call, { requestedGrantCents: 2_000_000, eligibleCostCents: 4_000_000 });
    await h.publishCall(call);
    await h.evaluated(call, approved, uniformReviews(9));
    await h.evaluated(call, waitlisted, uniformReviews(6));
    await h.evaluated(call, racing, uniformReviews(5));
    expect((await decide(approved.dossierId, { decision: 'approve', grantCents: GRANT })).status).toBe(200);
    expect((await decide(waitlisted.dossierId, { decision: 'approve' })).body.errors).toEqual([expect.objectContaining({ name: 'envelope-exceeded' })]);
    expect((await decide(waitlisted.dossierId, { decision: 'waitlist', motivation: 'Enveloppe épuisée.' })).status).toBe(200);
    await h.onRankedList(call, waitlisted);

    // The balance came below the grant: 40 k€ of A's award will never be paid. Published, the same
    // event delivered again (what Kafka does after a crash), the same release under another event id
    // (a command decided again), while the committee approves C on the same envelope.
    const publisher = h.publisher;
    const [first, answer] = await Promise.all([publisher.publish(AwardAmountReleased, release(approved, 4_000_000, 'completion')), decide(racing.dossierId, { decision: 'approve' })]);
    expect(answer.status).toBe(200);
    await publisher.redeliver(first, AwardAmountReleased);
    const again = await publisher.publish(AwardAmountReleased, release(approved, 4_000_000, 'completion'));

    // The three copies are really on the topic, in this order on the award's partition.
    const delivered = await eventually(async () => {
      const copies = await releasesOnTopic(approved.dossierId);
      expect(copies.map((m) => m.headers.ce_id)).toEqual([first.id, first.id, again.id]);
      return copies;
    });
    await consumedPast(delivered[2]!);

    // Given back once: a second return would leave A 20 k€ and the envelope 30 k€ more.
    const envelope = (await h.envelopes.get(call.callId))!;
    expect(envelope.reservations).toEqual({ [approved.dossierId]: 6_000_000, [racing.dossierId]: 2_000_000 });
    expect(envelope.reservedCents).toBe(8_000_000);
    expect(envelope.returned).toEqual([{ releaseId: `${approved.dossierId}:completion`, cents: 4_000_000 }]);
    expect(envelope.promotions).toEqual([expect.objectContaining({ dossierId: waitlisted.dossierId, proposedGrantCents: 4_000_000, freedCents: 4_000_000, freedBy: `award completion of ${approved.number}` })]);

    const proposals = await eventually(async () => {
      const events = (await h.eventsOf(CommitteePromotionProposed)).filter((e) => e.callId === call.callId);
      expect(events).toHaveLength(1);
      return events;
    });
    expect(proposals[0]).toMatchObject({ dossierId: waitlisted.dossierId, number: waitlisted.number, proposedGrantCents: 4_000_000, freedCents: 4_000_000 });

    const list = await rankingOf(call.callId);
    expect(list.envelope).toMatchObject({ envelopeCents: 13_000_000, committedCents: 8_000_000, remainingCents: 5_000_000 });
    expect(list.promotions).toEqual([expect.objectContaining({ dossierId: waitlisted.dossierId, proposedGrantCents: 4_000_000 })]);
    expect(list.items.find((row: any) => row.dossierId === waitlisted.dossierId)).toMatchObject({ promotionProposed: true, flags: ['promotion-proposed'], decision: { kind: 'waitlisted' } });

    // The committee follows the proposal: the promoted dossier's grant fits in what came back.
    expect((await decide(waitlisted.dossierId, { decision: 'approve' }, 'committee-2')).status).toBe(200);
    expect((await h.envelopes.get(call.callId))!).toMatchObject({ reservedCents: 12_000_000, promotions: [] });
  }, 180_000);

  it('returns nothing for the cancellation of an award whose decision the committee reopened (the money came back then, and the dossier holds a new approval since), nor more than a dossier holds', async () => {
    const call = testCall({ budgetEnvelopeCents: 3 * GRANT });
    const [reopened, lapsed] = [testDossier(call), testDossier(call)];
    await h.publishCall(call);
    await h.evaluated(call, reopened, uniformReviews(8));
    await h.evaluated(call, lapsed, uniformReviews(7));
    for (const dossier of [reopened, lapsed]) expect((await decide(dossier.dossierId, { decision: 'approve', grantCents: GRANT })).status).toBe(200);
    expect((await h.committee().post(`/evaluations/${reopened.dossierId}/decision/reopen`, { motivation: 'Budget du projet revu.' })).status).toBe(200);
    expect((await h.envelopes.get(call.callId))!).toMatchObject({ reservedCents: GRANT, reservations: { [lapsed.dossierId]: GRANT } });
    // Approved again, with a lower grant, before funding-award's cancellation of the first award comes.
    expect((await decide(reopened.dossierId, { decision: 'approve', grantCents: 8_000_000 }, 'committee-2')).status).toBe(200);

    // funding-award cancels the reopened dossier's award and releases its grant; the other lapses, the release claiming more than its grant.
    await h.publisher.publish(AwardAmountReleased, release(reopened, GRANT, 'cancellation', 'decision-reopened'));
    await h.publisher.publish(AwardAmountReleased, release(lapsed, GRANT + 5_000_000, 'lapse'));
    const [cancellation] = await eventually(async () => {
      const copies = await releasesOnTopic(reopened.dossierId);
      expect(copies).toHaveLength(1);
      return copies;
    });
    const [lapse] = await eventually(async () => {
      const copies = await releasesOnTopic(lapsed.dossierId);
      expect(copies).toHaveLength(1);
      return copies;
    });
    await consumedPast(cancellation!);
    await consumedPast(lapse!);

    const envelope = (await h.envelopes.get(call.callId))!;
    expect(envelope).toMatchObject({ envelopeCents: 3 * GRANT, reservedCents: 8_000_000, reservations: { [reopened.dossierId]: 8_000_000 } });
    expect(envelope.returned).toEqual([{ releaseId: `${lapsed.dossierId}:lapse`, cents: GRANT }]);
  }, 180_000);
});
