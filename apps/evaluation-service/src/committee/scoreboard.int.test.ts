import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierAccepted, EvaluationCompleted } from '@aap/contracts';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { testCall, testDossier } from '../testing/fixtures';
import { startCommittee, uniformReviews } from './testing';

const env = useTestEnvironment();
let h: Awaited<ReturnType<typeof startCommittee>>;

beforeAll(async () => {
  h = await startCommittee(env);
}, 60_000);
afterAll(() => h.stop());

const GRANT = 10_000_000;
const buckets = (callId: string) => env.database('evaluation').collection<{ _id: string; lines: string; version: number }>('committee_scoreboards').find({ callId }).toArray();
const processed = (eventId: string) => env.database('evaluation').collection('processed_events').findOne({ _id: eventId as never });

describe('the scoreboard follows the committee (the ranked list reads it, not the evaluations)', () => {
  const call = testCall({ budgetEnvelopeCents: 5 * GRANT });
  const [a, b, c] = [0, 1, 2].map(() => testDossier(call));
  const list = async () => (await h.committee().get(`/calls/${call.callId}/waves/vague-1/ranking`)).body;
  const rowOf = async (dossierId: string) => (await list()).items.find((row: { dossierId: string }) => row.dossierId === dossierId);

  beforeAll(async () => {
    await h.publishCall(call);
    await h.evaluated(call, a!, uniformReviews(8));
    await h.evaluated(call, b!, uniformReviews(7));
    await h.evaluated(call, c!, uniformReviews(6));
  }, 120_000);

  it('stores the wave in bounded buckets of compact lines, one line per completed evaluation', async () => {
    const stored = await buckets(call.callId);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThanOrEqual(3);
    for (const bucket of stored) expect(bucket._id).toMatch(new RegExp(`^${call.callId}:vague-1:\\d+$`));
    const lines = stored.flatMap((bucket) => bucket.lines.split('\n'));
    expect(lines).toHaveLength(3);
    // The reviewers' comments are not ranking inputs: they stay on the evaluation.
    expect(lines.join('')).not.toContain('Avis motivé');
  });

  it('shows an approval, then its reopening, on the ranked list', async () => {
    expect((await h.committee().post(`/evaluations/${a!.dossierId}/decision`, { decision: 'approve', motivation: 'Projet structurant.' })).status).toBe(200);
    await eventually(async () => expect(await rowOf(a!.dossierId)).toMatchObject({ decision: { kind: 'approved', grantCents: GRANT, decidedBy: 'committee-1', motivation: 'Projet structurant.' }, proposal: 'approve', proposedGrantCents: GRANT }));

    expect((await h.committee().post(`/evaluations/${a!.dossierId}/decision/reopen`, { motivation: 'Budget revu.' })).status).toBe(200);
    await eventually(async () => expect(await rowOf(a!.dossierId)).toMatchObject({ rank: 1, decision: null }));
  });

  it('drops a withdrawn dossier from the ranked list and its CSV', async () => {
    await h.withdraw(b!);
    await eventually(async () => {
      const after = await list();
      expect(after.items.map((row: { number: string }) => row.number)).toEqual([a!.number, c!.number]);
      expect(after).toMatchObject({ rankedCount: 2, total: 2 });
    });
    const csv = (await h.committee().get(`/calls/${call.callId}/waves/vague-1/ranking.csv`)).body as string;
    expect(csv).not.toContain(b!.number);
    expect(csv).toContain(c!.number);
  });

  it('changes nothing on a redelivered or stale event: the line is rebuilt from the evaluation as it is now', async () => {
    const before = await buckets(call.callId);
    const listBefore = await list();
    // A's approval again (reopened since) and b's completion again (withdrawn since), as new events; and one redelivered as is.
    const reference = { dossierId: a!.dossierId, number: a!.number, callId: call.callId, waveId: a!.waveId, organisationId: a!.applicant.organisationId, at: new Date().toISOString() };
    const stale = await h.publisher.publish(DossierAccepted, { ...reference, grantCents: GRANT, stateRateBps: 5_000, eligibleCostCents: 2 * GRANT, requestedGrantCents: GRANT, motivation: 'Projet structurant.' });
    const completedAgain = await h.publisher.publish(EvaluationCompleted, {
      ...reference, dossierId: b!.dossierId, number: b!.number, organisationId: b!.applicant.organisationId, rawScore: 70, reviewCount: 3, eliminated: false, eliminationReasons: [], disagreement: false,
    });
    await h.publisher.redeliver(stale, DossierAccepted);
    await eventually(async () => {
      expect(await processed(stale.id)).not.toBeNull();
      expect(await processed(completedAgain.id)).not.toBeNull();
    });
    expect(await buckets(call.callId)).toEqual(before);
    expect(await list()).toEqual(listBefore);
    expect(await rowOf(a!.dossierId)).toMatchObject({ decision: null });
  });
});
