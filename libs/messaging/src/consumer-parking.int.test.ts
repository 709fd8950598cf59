import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { ProbeLaunched, deadLetterTopicName, eventTopicName, type ProbePayload } from '@aap/contracts';
import { useTestEnvironment, readTopic, waitFor } from '@aap/test-harness';
import { newEvent, toKafkaMessage } from './index';
import { startStandaloneConsumer, type StandaloneConsumer } from './consumer.fixture';

const env = useTestEnvironment();
const probe = (probeId: string, label: string): ProbePayload => ({ probeId, label, hops: [{ service: 'submission', at: new Date().toISOString() }] });

/**
 * One partition, six events: key A's first event fails slowly three times then succeeds, key D's first
 * event always fails slowly. Each is parked after its in-line attempt; B and C, behind them on the
 * same partition, are handled meanwhile; A2 and D2 wait behind their key's parked event.
 */
describe('consumer: a slow failing handler parks its key and never holds the partition', () => {
  let standalone: StandaloneConsumer;
  const topic = () => eventTopicName(env.prefix, ProbeLaunched.topic);
  const attempts = new Map<string, number>();
  /** Each successful handling, in order, with what the handler saw of the failing events at that moment: nothing makes this handler idempotent. */
  const handled: Array<{ label: string; attemptsOfA1: number; attemptsOfD1: number }> = [];
  const SLOW_FAILURE_MS = 3_000;

  beforeAll(async () => {
    standalone = await startStandaloneConsumer(env, {
      service: 'notification',
      topics: [topic()],
      partitions: 1,
      overrides: { CONSUMER_MAX_ATTEMPTS: '4', CONSUMER_INLINE_ATTEMPTS: '1', CONSUMER_RETRY_BASE_MS: '200', CONSUMER_HANDLER_TIMEOUT_MS: '10000' },
      register: (consumer) =>
        consumer.on(ProbeLaunched, async (event) => {
          const { label } = event.data;
          const attempt = (attempts.get(label) ?? 0) + 1;
          attempts.set(label, attempt);
          if ((label === 'A1' && attempt <= 3) || label === 'D1') {
            await sleep(SLOW_FAILURE_MS); // the handler under test is slow, then fails
            throw new Error(`${label} failed slowly (attempt ${attempt})`);
          }
          handled.push({ label, attemptsOfA1: attempts.get('A1') ?? 0, attemptsOfD1: attempts.get('D1') ?? 0 });
        }),
    });
  });
  afterAll(() => standalone.stop());

  it('handles B and C while A and D retry in the background; A2 and D2 follow their key in order; a copy of B is skipped; no rebalance', async () => {
    const [keyA, keyB, keyC, keyD, keyE] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const events = (
      [
        [keyA, 'A1'],
        [keyA, 'A2'],
        [keyD, 'D1'],
        [keyD, 'D2'],
        [keyB, 'B'],
        [keyC, 'C'],
      ] as const
    ).map(([key, label]) => newEvent('submission', ProbeLaunched, probe(key, label)));
    const marker = newEvent('submission', ProbeLaunched, probe(keyE, 'E'));
    // B is delivered twice (as after a rebalance), then a marker E: once E is handled, the copy of B was read.
    const messages = [...events, events[4]!, marker].map((event) => toKafkaMessage(event.envelope));
    await standalone.producer.send({ topic: topic(), messages });

    await waitFor(() => ['A2', 'D2', 'E'].every((label) => handled.some((entry) => entry.label === label)), { deadlineMs: 60_000, what: 'A2, D2 and E handled' });
    const order = handled.map((entry) => entry.label);
    const entry = (label: string) => handled.find((each) => each.label === label)!;

    // Every event handled exactly once (B's copy is on the topic, and was skipped), D1 never.
    const copiesOfB = (await readTopic(env.kafka(), topic(), { atLeast: messages.length })).filter((m) => m.headers.ce_id === events[4]!.envelope.id);
    expect(copiesOfB).toHaveLength(2);
    expect([...order].sort()).toEqual(['A1', 'A2', 'B', 'C', 'D2', 'E']);
    // B, C and E, behind two slow failures on their partition, did not wait for them: handled before A1 succeeded and while D1 still had retries ahead.
    for (const label of ['B', 'C', 'E']) {
      expect(order.indexOf(label), label).toBeLessThan(order.indexOf('A1'));
      expect(entry(label).attemptsOfD1, label).toBeLessThan(4);
    }
    // A1 was handled at its 4th attempt, then A2.
    expect(attempts.get('A1')).toBe(4);
    expect(order.indexOf('A2')).toBeGreaterThan(order.indexOf('A1'));
    // D1 was dead-lettered after its 4th attempt, and only then D2 was handled.
    const dead = await readTopic(env.kafka(), deadLetterTopicName(env.prefix, 'notification'), { atLeast: 1 });
    expect(dead.map((m) => [m.headers.ce_id, m.headers.dlq_reason, m.headers.dlq_attempts])).toEqual([[events[2]!.envelope.id, 'handler-failed', '4']]);
    expect(attempts.get('D1')).toBe(4);
    expect(entry('D2').attemptsOfD1).toBe(4);
    expect(attempts.get('D2')).toBe(1);

    // Nothing left parked; the member never lost its group.
    await waitFor(async () => (await standalone.connection.collection('parked_events').countDocuments({})) === 0, { what: 'no event left parked' });
    expect(standalone.consumer.groupJoins).toBe(1);
  });
});

describe('consumer: a dead letter too large for its topic is sent truncated and the consumer moves on', () => {
  let standalone: StandaloneConsumer;
  const topic = () => eventTopicName(env.prefix, ProbeLaunched.topic);
  const dlq = () => deadLetterTopicName(env.prefix, 'evaluation');
  const handled: string[] = [];

  beforeAll(async () => {
    // The dead-letter topic takes at most 4 KiB a message (a topic-level limit under the broker's).
    const admin = env.kafka().admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: dlq(), numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '4096' }] }] });
    await admin.disconnect();
    standalone = await startStandaloneConsumer(env, {
      service: 'evaluation',
      topics: [topic()],
      register: (consumer) => consumer.on(ProbeLaunched, async (event) => void handled.push(event.data.label)),
    });
  });
  afterAll(() => standalone.stop());

  it('keeps the first KiB of the value, says dlq_truncated=true with the reason, and the next message is handled', async () => {
    const invalid = newEvent('submission', ProbeLaunched, probe(randomUUID(), 'to be broken'));
    const tooLong = { ...toKafkaMessage(invalid.envelope), value: JSON.stringify({ probeId: 'not-a-uuid', label: 'x'.repeat(20_000), hops: [] }) };
    const next = newEvent('submission', ProbeLaunched, probe(randomUUID(), 'behind the big one'));
    await standalone.producer.send({ topic: topic(), messages: [tooLong, toKafkaMessage(next.envelope)] });

    // (This group also reads the first block's events, from the same topic.)
    await waitFor(() => handled.includes('behind the big one'), { what: 'the message behind the big one handled' });
    const [dead, ...others] = await readTopic(env.kafka(), dlq(), { atLeast: 1 });
    expect(others).toHaveLength(0);
    expect(dead!.headers).toMatchObject({
      ce_id: invalid.envelope.id,
      dlq_reason: 'schema-validation',
      dlq_truncated: 'true',
      dlq_original_bytes: String(Buffer.byteLength(tooLong.value)),
      dlq_original_topic: topic(),
    });
    expect(dead!.headers.dlq_error).toMatch(/probeId: .*UUID/);
    expect(dead!.value).toBe(tooLong.value.slice(0, 1024));
  });
});
