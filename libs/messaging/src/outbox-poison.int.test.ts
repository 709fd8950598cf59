import { randomUUID } from 'node:crypto';
import { Schema, type Model } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventTopicName, ProbeLaunched } from '@aap/contracts';
import { createLogger } from '@aap/observability';
import type { RunningService, ServiceContext } from '@aap/service-runtime';
import { authHeaders, readTopic, useTestEnvironment, waitFor } from '@aap/test-harness';
import { createKafka, outboxForInsert, type OutboxFields, type PendingEvent } from './index';

const env = useTestEnvironment();
const topic = () => eventTopicName(env.prefix, ProbeLaunched.topic);

/** The broker takes at most this much per message on the probe topic… */
const TOPIC_MAX_BYTES = 8_192;
/** …and the service believes it may send up to this much (KAFKA_MAX_MESSAGE_BYTES): in between, only the broker refuses. */
const SERVICE_MAX_BYTES = 50_000;

interface ProbeDoc extends OutboxFields {
  _id: string;
  label: string;
}

let service: RunningService;
let context: ServiceContext;
let Probe: Model<ProbeDoc>;

beforeAll(async () => {
  // Created before the service, which leaves existing topics as they are.
  const admin = createKafka({ clientId: 'poison-test', brokers: env.kafkaBrokers.split(','), logger: createLogger({ service: 'test', level: 'silent' }) }).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: topic(), numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_BYTES) }] }] });
  await admin.disconnect();
  service = await env.startService(
    {
      name: 'submission',
      description: 'outbox poison test',
      register: (registered) => {
        context = registered;
        Probe = registered.aggregate<ProbeDoc>('PoisonProbe', new Schema<ProbeDoc>({ _id: String, label: String }), { collection: 'poison_probes' });
      },
    },
    { KAFKA_MAX_MESSAGE_BYTES: String(SERVICE_MAX_BYTES) },
  );
});

/** A probe event of about `bytes` bytes (its hops make it as large as wanted, still a valid event). */
function probeEvent(probeId: string, label: string, bytes = 0): PendingEvent {
  const hop = { service: 'submission' as const, at: new Date().toISOString() };
  const hops = Array.from({ length: Math.max(1, Math.ceil(bytes / JSON.stringify(hop).length)) }, () => hop);
  return context.event(ProbeLaunched, { probeId, label, hops });
}

const unknownType = (probeId: string): PendingEvent => {
  const event = probeEvent(probeId, 'vanished');
  return { ...event, envelope: { ...event.envelope, type: 'probe.vanished.v1' } };
};

const rejectedList = async (query: string, roles: Array<'admin' | 'applicant'> = ['admin']) =>
  fetch(`${service.url}/diagnostics/outbox/rejected${query}`, { headers: await authHeaders({ roles, org: roles.includes('applicant') ? '216901231' : undefined }) });

describe('outbox: an entry that can never be published is set aside and blocks nothing', () => {
  it('sets aside an oversize, an unknown-type and a broker-refused entry with their reasons; the other entries of that aggregate and of the others go out, in order', async () => {
    const poisoned = randomUUID();
    const a1 = probeEvent(poisoned, 'a1');
    const tooLarge = probeEvent(poisoned, 'too large', SERVICE_MAX_BYTES * 2);
    const unknown = unknownType(poisoned);
    const a4 = probeEvent(poisoned, 'a4');
    const refused = probeEvent(poisoned, 'refused by the topic', TOPIC_MAX_BYTES * 2);
    const a6 = probeEvent(poisoned, 'a6');
    const others = [randomUUID(), randomUUID(), randomUUID()].map((id) => ({ id, events: [probeEvent(id, 'first'), probeEvent(id, 'second')] }));

    // One write of every document: the relay is told all of them at once and tries them in one request.
    await Probe.insertMany([
      { _id: poisoned, label: 'poisoned', ...outboxForInsert([a1, tooLarge, unknown, a4, refused, a6]) },
      ...others.map(({ id, events }) => ({ _id: id, label: 'healthy', ...outboxForInsert(events) })),
    ]);

    const probes = env.database('submission').collection('poison_probes');
    await waitFor(async () => (await probes.countDocuments({ outboxPending: true })) === 0, { what: 'every outbox relayed or set aside' });
    for (const id of [poisoned, ...others.map((o) => o.id)]) expect(await probes.findOne({ _id: id as never })).toMatchObject({ outboxPending: false, outbox: {} });

    const messages = await readTopic(env.kafka(), topic(), { atLeast: 9 });
    // At least once: a healthy message written before the broker refused its request may appear twice.
    const idsOf = (key: string) => [...new Set(messages.filter((m) => m.key === key).map((m) => m.headers.ce_id))];
    expect(messages.filter((m) => m.key === poisoned).map((m) => m.headers.ce_id)).toEqual([a1, a4, a6].map((e) => e.envelope.id));
    for (const { id, events } of others) expect(idsOf(id)).toEqual(events.map((e) => e.envelope.id));

    const response = await rejectedList('?pageSize=10');
    expect(response.status).toBe(200);
    const page = (await response.json()) as { total: number; items: Array<Record<string, any>> };
    expect(page.total).toBe(3);
    const byId = Object.fromEntries(page.items.map((item) => [item.eventId, item]));
    expect(byId[tooLarge.envelope.id]).toMatchObject({ reason: 'too-large', type: 'probe.launched.v1', truncated: true, aggregate: { collection: 'poison_probes', id: poisoned } });
    expect(byId[tooLarge.envelope.id]!.detail).toMatch(/more than the 50000 bytes/);
    expect(byId[tooLarge.envelope.id]!.bytes).toBeGreaterThan(SERVICE_MAX_BYTES);
    expect(byId[unknown.envelope.id]).toMatchObject({
      reason: 'unknown-type',
      type: 'probe.vanished.v1',
      truncated: false,
      envelope: { id: unknown.envelope.id, type: 'probe.vanished.v1', data: { probeId: poisoned } },
      aggregate: { collection: 'poison_probes', id: poisoned },
    });
    expect(byId[refused.envelope.id]).toMatchObject({ reason: 'broker-refused', truncated: true, aggregate: { collection: 'poison_probes', id: poisoned } });
    expect(byId[refused.envelope.id]!.detail).toMatch(/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/);

    const filtered = (await (await rejectedList('?reason=unknown-type&collection=poison_probes')).json()) as { items: Array<{ eventId: string }> };
    expect(filtered.items.map((item) => item.eventId)).toEqual([unknown.envelope.id]);
  });

  it('the rejected list is for admins only, and its query is strict with maxima', async () => {
    const forbidden = await rejectedList('', ['applicant']);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const tooBig = await rejectedList('?pageSize=1000');
    expect(tooBig.status).toBe(400);
    expect(tooBig.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(await tooBig.json())).toContain('pageSize');

    const unknownParameter = await rejectedList('?status=failed');
    expect(unknownParameter.status).toBe(400);
    expect(JSON.stringify(await unknownParameter.json())).toContain('status');

    const longCollection = await rejectedList(`?collection=${'x'.repeat(65)}`);
    expect(longCollection.status).toBe(400);
    expect(JSON.stringify(await longCollection.json())).toContain('collection');
  });
});
