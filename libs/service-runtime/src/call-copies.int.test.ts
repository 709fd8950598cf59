import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallExtended, CallPublished, callEvents, CallClosed, CallTeamChanged, eventTopicName, type CallSnapshot } from '@aap/contracts';
import { eventPublisher, eventually, httpClient, readTopic, useTestEnvironment } from '@aap/test-harness';
import { registerCallCopies, type CallCopies } from './call-copies';
import type { RunningService } from './service';

const env = useTestEnvironment();

/** A call as the submission service publishes it: the whole call, its rules and its version. */
const callAt = (callId: string, version: number, overrides: Partial<CallSnapshot> = {}): CallSnapshot => ({
  callId,
  title: `Fabriques de territoire — version ${version}`,
  programme: 'Fabriques de territoire',
  description: 'Soutien aux tiers-lieux.',
  budgetEnvelopeCents: 4_500_000_000,
  eligibleApplicantKinds: ['commune', 'association'],
  groupementsAllowed: false,
  cofinancing: { maxStateRateBps: 5_000, minGrantCents: 7_500_000, maxGrantCents: 15_000_000, minProjectCostCents: 15_000_000, ownContribution: { enabled: true, minShareBps: 2_000 } },
  requiredDocuments: [],
  scoringGrid: { criteria: [{ criterionId: 'impact', label: 'Impact', weight: 1, maxScore: 10 }] },
  reviewersPerDossier: 2,
  paymentSchedule: { advanceBps: 3_000, interimCapBps: 8_000 },
  waves: [{ waveId: 'vague-1', label: 'Vague 1', opensAt: '2026-01-05T09:00:00+01:00', closesAt: '2026-03-31T23:59:59+02:00', maxWinners: 30 }],
  maxActiveDossiersPerApplicantPerWave: 1,
  reminderDaysBeforeClose: 7,
  evaluation: { reviewDays: 14, rankBy: 'raw' },
  status: 'published',
  closesAt: '2026-03-31T23:59:59+02:00',
  publishedAt: '2026-01-05T09:00:00+01:00',
  version,
  ...overrides,
});

describe('the call copy, kept from call.* events on the real broker and database', () => {
  let calls: CallCopies;
  let service: RunningService;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  const handled = () => env.database('funding-award').collection<{ _id: string; times: number }>('call_events_seen');

  beforeAll(async () => {
    // Funding-award is the next service to keep the copy: the same two lines as evaluation and notification.
    service = await env.startService({
      name: 'funding-award',
      description: 'call copy test',
      register(context) {
        calls = registerCallCopies(context);
        // Registered after the copy, so it runs after it for each event; NOT idempotent by itself
        // ($inc per event id): a call event handled twice would show `times: 2`.
        for (const definition of callEvents) {
          context.consumer.on(definition, async (event) => {
            await context.db.collection<{ _id: string; times: number }>('call_events_seen').updateOne({ _id: event.id }, { $inc: { times: 1 } }, { upsert: true });
          });
        }
        context.http.get('/calls/:callId', { config: { access: { roles: ['finance'] } } }, async (request) => calls.found((request.params as { callId: string }).callId));
      },
    });
    publisher = await eventPublisher(env);
  });
  afterAll(() => publisher?.disconnect());

  it('given versions out of order, a redelivery and the same version again, then the copy holds the latest version, each applied once', async () => {
    const callId = 'call-copy-1';
    const v1 = await publisher.publish(CallPublished, { call: callAt(callId, 1) });
    const v3 = await publisher.publish(CallExtended, { call: callAt(callId, 3, { closesAt: '2026-04-30T23:59:59+02:00' }), reason: 'Forte demande', previousClosesAt: '2026-03-31T23:59:59+02:00' });
    const lateV2 = await publisher.publish(CallClosed, { call: callAt(callId, 2, { status: 'closed', closedAt: '2026-03-31T23:59:59+02:00' }), reason: 'closing-time' });
    await publisher.redeliver(v3, CallExtended); // same event id: what Kafka does after a crash or a rebalance
    // The same version under another id, with other content: only a strict version guard ignores it.
    const sameVersion = await publisher.publish(CallExtended, { call: callAt(callId, 3, { title: 'Une autre version 3' }), reason: 'Rejoué', previousClosesAt: '2026-03-31T23:59:59+02:00' });

    // Every message of one call shares its key, hence its partition and its order: once the last one is
    // handled, every earlier one (the duplicate included) has been.
    await eventually(async () => expect(await handled().findOne({ _id: sameVersion.id })).not.toBeNull());
    const onTopic = (await readTopic(env.kafka(), eventTopicName(env.prefix, CallPublished.topic), { atLeast: 5, settleMs: 0 })).filter((m) => m.key === callId);
    expect(onTopic.map((m) => m.headers.ce_id)).toEqual([v1.id, v3.id, lateV2.id, v3.id, sameVersion.id]);

    const copy = await calls.get(callId);
    expect(copy).toEqual(callAt(callId, 3, { closesAt: '2026-04-30T23:59:59+02:00' }));
    // The rules a consumer reads come whole: waves, money rules, evaluation settings, payment schedule.
    expect(copy).toMatchObject({ waves: [{ waveId: 'vague-1', maxWinners: 30 }], cofinancing: { maxStateRateBps: 5_000 }, evaluation: { reviewDays: 14 }, paymentSchedule: { advanceBps: 3_000 } });
    const seen = await handled().find({ _id: { $in: [v1.id, v3.id, lateV2.id, sameVersion.id] } }).toArray();
    expect(seen.map((s) => s.times)).toEqual([1, 1, 1, 1]);
    expect(await service.db.collection('calls').countDocuments({ _id: callId as never })).toBe(1);

    const v4 = await publisher.publish(CallClosed, { call: callAt(callId, 4, { status: 'closed', closedAt: '2026-04-30T23:59:59+02:00' }), reason: 'closing-time' });
    await eventually(async () => expect(await handled().findOne({ _id: v4.id })).not.toBeNull());
    expect(await calls.found(callId)).toMatchObject({ version: 4, status: 'closed' });
    expect(await calls.forEvent(callId)).toMatchObject({ version: 4, status: 'closed' });
  });

  it('given a call no event named, when read, then get answers null, an event handler fails (to be retried) and a route answers a 404 problem naming it', async () => {
    expect(await calls.get('no-such-call')).toBeNull();
    await expect(calls.forEvent('no-such-call')).rejects.toThrow('no copy of call no-such-call yet');
    const answer = await httpClient(service.url).as('finance').get('/calls/no-such-call');
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 404, detail: 'Call no-such-call was not found' });
  });

  it("given teams on the calls and a member removed by call.team-changed, then teamCallIds lists the member's calls under that role only", async () => {
    const [a, b] = [`call-team-a-${Date.now()}`, `call-team-b-${Date.now()}`];
    const team = (finance: string[]) => ({ 'programme-manager': ['pm-team'], committee: [], finance });
    await publisher.publish(CallPublished, { call: callAt(a, 1, { team: team(['officer-team-1', 'officer-team-2']) }) });
    await publisher.publish(CallPublished, { call: callAt(b, 1, { team: team(['officer-team-1']) }) });
    await eventually(async () => expect((await calls.teamCallIds('officer-team-1', 'finance')).sort()).toEqual([a, b].sort()));
    expect(await calls.teamCallIds('officer-team-2', 'finance')).toEqual([a]);
    expect(await calls.teamCallIds('officer-team-1', 'programme-manager')).toEqual([]);
    await publisher.publish(CallTeamChanged, { call: callAt(a, 2, { team: team(['officer-team-2']) }), role: 'finance', member: 'officer-team-1', change: 'removed' });
    await eventually(async () => expect(await calls.teamCallIds('officer-team-1', 'finance')).toEqual([b]));
  });
});
