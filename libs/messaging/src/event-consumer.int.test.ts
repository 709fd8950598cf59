import { randomUUID } from 'node:crypto';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import mongoose from 'mongoose';
import { deadLetterTopicName, eventTopicName, ProbeLaunched, type ProbePayload } from '@aap/contracts';
import { useTestEnvironment, readTopic, waitFor } from '@aap/test-harness';
import { service as evaluation } from '@aap/evaluation-service';
import { newEvent, PermanentHandlerError, toKafkaMessage, type Producer } from './index';
import { startStandaloneConsumer, type StandaloneConsumer } from './consumer.fixture';

const env = useTestEnvironment();
const validPayload = (label: string): ProbePayload => ({
  probeId: randomUUID(),
  label,
  hops: [{ service: 'submission', at: new Date().toISOString() }],
});

describe('consumer: invalid messages go to the dead-letter topic and never block the partition', () => {
  let producer: Producer;
  const topic = () => eventTopicName(env.prefix, ProbeLaunched.topic);
  const dlq = () => deadLetterTopicName(env.prefix, 'evaluation');

  beforeAll(async () => {
    await env.startService(evaluation);
    producer = env.kafka().producer();
    await producer.connect();
  });
  afterAll(() => producer.disconnect());

  /** Everything goes to one partition (same key) so "the next message" really is behind the bad one. */
  const key = 'same-partition';

  it('a malformed message lands in the DLQ with its reason, and the next good message is processed', async () => {
    const good = newEvent('submission', ProbeLaunched, validPayload('after the bad ones'));
    await producer.send({
      topic: topic(),
      messages: [
        { key, value: '{not json', headers: { ce_specversion: '1.0', ce_id: 'bad-json', ce_type: ProbeLaunched.type, ce_source: '/test', ce_time: new Date().toISOString(), ce_subject: key } },
        { key, value: '{}', headers: { 'content-type': 'application/json' } },
        {
          key,
          value: JSON.stringify({ probeId: 'not-a-uuid', label: '', hops: [] }),
          // From the producer's own source, so that it passes the trust check and reaches schema validation.
          headers: { ce_specversion: '1.0', ce_id: 'bad-schema', ce_type: ProbeLaunched.type, ce_source: '/aap/submission', ce_time: new Date().toISOString(), ce_subject: key },
        },
        { ...toKafkaMessage(good.envelope), key },
      ],
    });

    await waitFor(() => env.database('evaluation').collection('journey_probes').findOne({ _id: good.envelope.subject as never }), { what: 'the good message behind the bad ones handled' });

    const dead = await readTopic(env.kafka(), dlq(), { atLeast: 3 });
    expect(dead).toHaveLength(3);
    const byReason = dead.map((m) => ({ reason: m.headers.dlq_reason, error: m.headers.dlq_error, originalTopic: m.headers.dlq_original_topic }));
    expect(byReason).toEqual([
      { reason: 'malformed-envelope', error: expect.stringContaining('value is not JSON'), originalTopic: topic() },
      { reason: 'malformed-envelope', error: expect.stringContaining('missing CloudEvents header(s): ce_specversion, ce_id, ce_type'), originalTopic: topic() },
      { reason: 'schema-validation', error: expect.stringMatching(/probeId: .*UUID.*label: .*hops: /s), originalTopic: topic() },
    ]);
    // The dead letter keeps the original value and headers for replay.
    expect(dead[0]!.value).toBe('{not json');
    expect(dead[2]!.headers.ce_id).toBe('bad-schema');
  });

  it('a redelivered event leaves one probe record and is relayed on once', async () => {
    const event = newEvent('submission', ProbeLaunched, validPayload('delivered three times'));
    const marker = newEvent('submission', ProbeLaunched, validPayload('after the copies'));
    // The copies, then a marker on the same partition: once the marker is handled, so were the copies.
    await producer.send({ topic: topic(), messages: [...Array(3).fill({ ...toKafkaMessage(event.envelope), key }), { ...toKafkaMessage(marker.envelope), key }] });
    const probes = env.database('evaluation').collection('journey_probes');
    await waitFor(() => probes.findOne({ _id: marker.envelope.subject as never, outboxPending: false }), { what: 'the marker handled and relayed' });
    // Whatever the copies left in the probe's outbox is published too.
    await waitFor(() => probes.findOne({ _id: event.envelope.subject as never, outboxPending: false }), { what: "the probe's outbox emptied" });

    const copies = (await readTopic(env.kafka(), topic(), { atLeast: 4 })).filter((m) => m.headers.ce_id === event.envelope.id);
    expect(copies).toHaveLength(3);
    expect(await probes.countDocuments({ _id: event.envelope.subject as never })).toBe(1);
    const relayed = (await readTopic(env.kafka(), eventTopicName(env.prefix, { producer: 'evaluation', aggregate: 'probe' }), { atLeast: 2 })).filter(
      (m) => m.key === event.envelope.subject,
    );
    expect(relayed).toHaveLength(1);
  });
});

describe('consumer: handler failures are retried with backoff, then dead-lettered', () => {
  const service = 'notification' as const;
  let standalone: StandaloneConsumer;
  let connection: mongoose.Connection;
  let producer: Producer;
  const calls = new Map<string, number>();
  const secondCalls = new Map<string, number>();
  const order: string[] = [];

  beforeAll(async () => {
    standalone = await startStandaloneConsumer(env, {
      service,
      topics: [eventTopicName(env.prefix, ProbeLaunched.topic)],
      overrides: { CONSUMER_MAX_ATTEMPTS: '3', CONSUMER_RETRY_BASE_MS: '20' },
      register: (consumer) => {
        consumer.on(ProbeLaunched, async (event) => {
          const attempt = (calls.get(event.data.label) ?? 0) + 1;
          calls.set(event.data.label, attempt);
          if (event.data.label === 'fails twice' && attempt <= 2) throw new Error(`transient failure ${attempt}`);
          if (event.data.label === 'always fails') throw new Error('database says no');
          if (event.data.label === 'permanent') throw new PermanentHandlerError('this can never work');
        }, { name: 'first' });
        // A second handler of the same type, declared to run after the first (else they run side by side).
        consumer.on(ProbeLaunched, async (event) => {
          const attempt = (secondCalls.get(event.data.label) ?? 0) + 1;
          secondCalls.set(event.data.label, attempt);
          order.push(`second:${event.data.label}:first-had-run-${calls.get(event.data.label) ?? 0}`);
          if (event.data.label === 'second handler fails once' && attempt === 1) throw new Error('second handler: transient failure');
        }, { after: ['first'] });
      },
    });
    ({ connection, producer } = standalone);
  });
  afterAll(() => standalone.stop());

  it('runs the handlers of an event delivered three times once (a handler that counts every call: nothing makes it idempotent but the inbox)', async () => {
    const event = newEvent('submission', ProbeLaunched, validPayload('delivered three times, counted'));
    const marker = newEvent('submission', ProbeLaunched, validPayload('marker after the copies'));
    const sameKey = event.envelope.subject;
    await producer.send({
      topic: eventTopicName(env.prefix, ProbeLaunched.topic),
      messages: [...Array(3).fill(toKafkaMessage(event.envelope)), { ...toKafkaMessage(marker.envelope), key: sameKey }],
    });
    // One key, one partition, handled in order: once the marker is handled, the three copies were read before it.
    await waitFor(() => secondCalls.get('marker after the copies') === 1, { what: 'the marker handled' });
    const copies = (await readTopic(env.kafka(), eventTopicName(env.prefix, ProbeLaunched.topic), { atLeast: 4 })).filter((m) => m.headers.ce_id === event.envelope.id);
    expect(copies).toHaveLength(3);
    expect(calls.get('delivered three times, counted')).toBe(1);
    expect(secondCalls.get('delivered three times, counted')).toBe(1);
  });

  it('retries a transient failure and handles the event', async () => {
    const event = newEvent('submission', ProbeLaunched, validPayload('fails twice'));
    await producer.send({ topic: eventTopicName(env.prefix, ProbeLaunched.topic), messages: [toKafkaMessage(event.envelope)] });
    await waitFor(() => connection.collection('processed_events').findOne({ _id: event.envelope.id as never }), { what: 'the event recorded as handled' });
    expect(calls.get('fails twice')).toBe(3);
  });

  it('runs several handlers of one type in their declared order; a retry resumes at the failed one; recorded once all succeeded', async () => {
    const event = newEvent('submission', ProbeLaunched, validPayload('second handler fails once'));
    await producer.send({ topic: eventTopicName(env.prefix, ProbeLaunched.topic), messages: [toKafkaMessage(event.envelope)] });
    await waitFor(() => connection.collection('processed_events').findOne({ _id: event.envelope.id as never }), { what: 'the event recorded as handled' });
    expect(calls.get('second handler fails once')).toBe(1);
    expect(secondCalls.get('second handler fails once')).toBe(2);
    expect(order.filter((entry) => entry.includes('second handler fails once'))).toEqual([
      'second:second handler fails once:first-had-run-1',
      'second:second handler fails once:first-had-run-1',
    ]);
  });

  it('dead-letters after the last attempt, or at once for a permanent error, and goes on', async () => {
    const always = newEvent('submission', ProbeLaunched, validPayload('always fails'));
    const permanent = newEvent('submission', ProbeLaunched, validPayload('permanent'));
    const fine = newEvent('submission', ProbeLaunched, validPayload('fine'));
    await producer.send({
      topic: eventTopicName(env.prefix, ProbeLaunched.topic),
      messages: [always, permanent, fine].map((e) => toKafkaMessage(e.envelope)),
    });
    await waitFor(() => connection.collection('processed_events').findOne({ _id: fine.envelope.id as never }), { what: 'the good event recorded as handled' });
    // The three events went to different partitions: the failing one may still be retrying when the good one is done.
    await waitFor(() => calls.get('always fails') === 3, { what: 'the third attempt of the failing event' });
    expect(calls.get('permanent')).toBe(1);

    // (This consumer group also read the first block's bad messages from the same topic: keep ours.)
    const ours = new Set([always.envelope.id, permanent.envelope.id]);
    const dead = (await readTopic(env.kafka(), deadLetterTopicName(env.prefix, service), { atLeast: 5 })).filter((m) => ours.has(m.headers.ce_id!));
    expect(dead.map((m) => [m.headers.ce_id, m.headers.dlq_reason, m.headers.dlq_attempts, m.headers.dlq_error])).toEqual(
      expect.arrayContaining([
        [always.envelope.id, 'handler-failed', '3', 'database says no'],
        [permanent.envelope.id, 'handler-failed', '1', 'this can never work'],
      ]),
    );
    expect(dead).toHaveLength(2);
  });
});
