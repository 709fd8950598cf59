import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestEnvironment } from '@aap/test-harness';
import { testCall, testDossier } from '../testing/fixtures';
import { startCommittee, uniformReviews } from './testing';

const env = useTestEnvironment();

/**
 * Envelopes written before the rename (`committee_budgets`) are the call's money once the service has
 * started on their database: copied into `committee_envelopes` when missing there, never over a newer one.
 */
describe('upgrade: committee_budgets → committee_envelopes', () => {
  const call = testCall({ budgetEnvelopeCents: 20_000_000 });
  const updatedAt = new Date('2026-02-01T09:00:00Z');
  const legacy = { envelopeCents: 20_000_000, reservedCents: 15_000_000, reservations: [{ dossierId: 'legacy-dossier', cents: 15_000_000 }], promotions: [], version: 3, updatedAt };
  const moved = { envelopeCents: 900_000, reservedCents: 0, reservations: [], promotions: [], approvals: [], releases: [], unsettled: false, version: 7, updatedAt };
  let h: Awaited<ReturnType<typeof startCommittee>>;

  beforeAll(async () => {
    const db = env.database('evaluation');
    await db.collection<{ _id: string }>('committee_budgets').insertMany([
      { _id: call.callId, ...legacy },
      { _id: 'call-already-moved', ...legacy, version: 2 },
    ] as never);
    await db.collection<{ _id: string }>('committee_envelopes').insertOne({ _id: 'call-already-moved', ...moved } as never);
    h = await startCommittee(env);
  }, 60_000);
  afterAll(() => h?.stop());

  it('copies a missing envelope whole (reservations, version), keeps one already there, and runs once per database', async () => {
    expect(await h.envelopes.get(call.callId)).toEqual({
      callId: call.callId,
      envelopeCents: 20_000_000,
      reservedCents: 15_000_000,
      reservations: { 'legacy-dossier': 15_000_000 },
      promotions: [],
      approvals: [],
      releases: [],
      returned: [],
      version: 3,
    });
    expect(await h.envelopes.get('call-already-moved')).toMatchObject({ envelopeCents: 900_000, reservedCents: 0, version: 7 });
    expect(await env.database('evaluation').collection<{ _id: string }>('schema_upgrades').countDocuments({ _id: 'committee-envelopes-from-budgets' })).toBe(1);
  });

  it("the copied reservations count against the call's envelope, and a repeated copy leaves the newer envelope as it is", async () => {
    await h.publishCall(call);
    const dossier = await h.evaluated(call, testDossier(call), uniformReviews(7));

    const tooMuch = await h.committee().post(`/evaluations/${dossier.dossierId}/decision`, { decision: 'approve', grantCents: 10_000_000 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.errors).toEqual([expect.objectContaining({ name: 'envelope-exceeded', detail: expect.stringContaining('5000000 cents left') })]);
    const fits = await h.committee().post(`/evaluations/${dossier.dossierId}/decision`, { decision: 'approve', grantCents: 5_000_000 });
    expect(fits.status).toBe(200);
    await h.settled(dossier.dossierId);

    await h.envelopes.copyBudgets();
    expect(await h.envelopes.get(call.callId)).toMatchObject({ reservedCents: 20_000_000, reservations: { 'legacy-dossier': 15_000_000, [dossier.dossierId]: 5_000_000 }, approvals: [] });
  }, 120_000);
});
