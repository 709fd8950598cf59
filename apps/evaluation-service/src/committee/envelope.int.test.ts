import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierAccepted } from '@aap/contracts';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { testCall, testDossier } from '../testing/fixtures';
import { startCommittee, uniformReviews } from './testing';

const env = useTestEnvironment();
let h: Awaited<ReturnType<typeof startCommittee>>;

beforeAll(async () => {
  h = await startCommittee(env);
}, 60_000);
afterAll(() => h.stop());

describe("the call's envelope under 50 concurrent approvals", () => {
  // 2 M€; the 50 dossiers ask between 50 k€ and 100 k€ each (3,75 M€ in all): about half can be funded.
  const ENVELOPE = 200_000_000;
  const call = testCall({ budgetEnvelopeCents: ENVELOPE });
  const asked = (i: number) => 5_000_000 + (i % 6) * 1_000_000;
  const dossiers = Array.from({ length: 50 }, () => testDossier(call));

  beforeAll(async () => {
    await h.publishCall(call);
    for (const [i, dossier] of dossiers.entries()) await h.evaluated(call, dossier, uniformReviews(5 + (i % 5)));
  }, 240_000);

  it('never commits more than the envelope: the envelope, the decisions and the dossier.accepted events on the topic agree, and every refusal is envelope-exceeded', async () => {
    const answers = await Promise.all(dossiers.map((d, i) => h.committee(`committee-${i % 3}`).post(`/evaluations/${d.dossierId}/decision`, { decision: 'approve', grantCents: asked(i) })));

    const approved = answers.flatMap((answer, i) => (answer.status === 200 ? [{ dossier: dossiers[i]!, grantCents: asked(i) }] : []));
    const refused = answers.filter((answer) => answer.status !== 200);
    expect(refused.map((answer) => answer.status)).toEqual(refused.map(() => 422));
    for (const answer of refused) expect(answer.body.errors).toEqual([expect.objectContaining({ name: 'envelope-exceeded', detail: expect.stringMatching(/cents left; \d+ cents asked/) })]);
    const approvedCents = approved.reduce((sum, a) => sum + a.grantCents, 0);
    expect(approvedCents).toBeLessThanOrEqual(ENVELOPE);
    // More was asked than the envelope holds, and the refusals are real: what is left is less than the smallest refused amount.
    expect(refused.length).toBeGreaterThan(0);
    const smallestRefused = Math.min(...answers.flatMap((answer, i) => (answer.status === 200 ? [] : [asked(i)])));
    expect(ENVELOPE - approvedCents).toBeLessThan(smallestRefused);

    const envelope = (await h.envelopes.get(call.callId))!;
    expect(envelope.reservedCents).toBe(approvedCents);
    expect(Object.values(envelope.reservations).reduce((sum, cents) => sum + cents, 0)).toBe(approvedCents);
    expect(envelope.approvals).toEqual([]);
    expect(Object.keys(envelope.reservations).sort()).toEqual(approved.map((a) => a.dossier.dossierId).sort());

    for (const dossier of dossiers) await h.settled(dossier.dossierId);
    const events = (await h.eventsOf(DossierAccepted, approved.length)).filter((e) => e.callId === call.callId);
    expect(events).toHaveLength(approved.length);
    expect(events.reduce((sum, e) => sum + (e.grantCents as number), 0)).toBe(approvedCents);
    expect(events.reduce((sum, e) => sum + (e.grantCents as number), 0)).toBeLessThanOrEqual(ENVELOPE);

    // The ranked list's decisions come from the scoreboard, a consumer hop after the decisions.
    await eventually(async () => {
      const list = (await h.committee().get(`/calls/${call.callId}/waves/vague-1/ranking`, { query: { pageSize: 100 } })).body;
      expect(list.envelope).toMatchObject({ envelopeCents: ENVELOPE, committedCents: approvedCents, remainingCents: ENVELOPE - approvedCents });
      expect(list.items.filter((row: any) => row.decision?.kind === 'approved')).toHaveLength(approved.length);
    });
  }, 120_000);
});
