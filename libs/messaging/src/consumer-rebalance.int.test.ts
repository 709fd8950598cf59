import { randomUUID } from 'node:crypto';
import { describe, expect, it, afterAll } from 'vitest';
import { ProbeLaunched, eventTopicName, type ProbePayload } from '@aap/contracts';
import { useTestEnvironment, waitFor } from '@aap/test-harness';
import { newEvent, toKafkaMessage } from './index';
import { startStandaloneConsumer, type StandaloneConsumer } from './consumer.fixture';

const env = useTestEnvironment();
const probe = (probeId: string, label: string): ProbePayload => ({ probeId, label, hops: [{ service: 'submission', at: new Date().toISOString() }] });

/**
 * Two instances of one consumer group. The one holding the partition parks a failing event of key K
 * and leaves the group; the other, which was already running (so it did not read K's parked event at
 * its start), takes the partition over: K's next event must queue behind the parked one, and the
 * parked one must be retried there, in order.
 */
describe('consumer: two instances of a group, a rebalance while a key is parked', () => {
  const topic = () => eventTopicName(env.prefix, ProbeLaunched.topic);
  const instances: Record<'x' | 'y', StandaloneConsumer | undefined> = { x: undefined, y: undefined };
  /** Each attempt and each success, with the instance that made it. */
  const attempts: Array<{ instance: string; label: string }> = [];
  const handled: Array<{ instance: string; label: string }> = [];
  let k1Fails = true;

  const start = (instance: 'x' | 'y') =>
    startStandaloneConsumer(env, {
      service: 'notification',
      topics: [topic()],
      partitions: 1,
      overrides: { CONSUMER_MAX_ATTEMPTS: '100', CONSUMER_INLINE_ATTEMPTS: '1', CONSUMER_RETRY_BASE_MS: '100', CONSUMER_RETRY_MAX_MS: '300' },
      register: (consumer) =>
        consumer.on(ProbeLaunched, async (event) => {
          attempts.push({ instance, label: event.data.label });
          if (event.data.label === 'K1' && k1Fails) throw new Error('K1 fails until released');
          handled.push({ instance, label: event.data.label });
        }),
    }).then((started) => (instances[instance] = started));

  afterAll(async () => {
    await Promise.allSettled(Object.values(instances).map((instance) => instance?.stop()));
  });

  it("the instance taking the partition over queues the key's next event behind the parked one and retries it: each handled once, in order", async () => {
    const x = await start('x');
    await waitFor(() => x.consumer.groupJoins >= 1, { what: 'x in its group' });
    const y = await start('y');
    await waitFor(() => y.consumer.groupJoins >= 1 && x.consumer.groupJoins >= 2, { deadlineMs: 40_000, what: 'x and y in one generation of the group' });

    const [keyK, keyL] = [randomUUID(), randomUUID()];
    const [k1, k2, l1] = [
      [keyK, 'K1'],
      [keyK, 'K2'],
      [keyL, 'L1'],
    ].map(([key, label]) => newEvent('submission', ProbeLaunched, probe(key!, label!)));
    await x.producer.send({ topic: topic(), messages: [toKafkaMessage(k1!.envelope)] });
    const parked = env.database('notification').collection('parked_events');
    await waitFor(async () => (await parked.findOne({ _id: k1!.envelope.id as never })) !== null, { what: 'K1 parked' });
    const owner = attempts.find((attempt) => attempt.label === 'K1')!.instance as 'x' | 'y';
    const survivor = owner === 'x' ? y : x;
    const joinsBefore = survivor.consumer.groupJoins;

    // The owner leaves the group; the survivor takes the partition.
    await instances[owner]!.stop();
    instances[owner] = undefined;
    await waitFor(() => survivor.consumer.groupJoins > joinsBefore, { deadlineMs: 40_000, what: 'the survivor rejoined with the partition' });

    await survivor.producer.send({ topic: topic(), messages: [toKafkaMessage(k2!.envelope), toKafkaMessage(l1!.envelope)] });
    // L1, behind K2 on the partition, handled: K2 was read, and queued behind K1 instead of handled.
    await waitFor(() => handled.some((entry) => entry.label === 'L1'), { deadlineMs: 40_000, what: 'L1 handled' });
    expect(handled.map((entry) => entry.label)).toEqual(['L1']);
    expect(await parked.findOne({ _id: k2!.envelope.id as never })).not.toBeNull();

    // K1 released: the survivor retries it (the owner is gone), then K2.
    k1Fails = false;
    await waitFor(() => handled.some((entry) => entry.label === 'K2'), { deadlineMs: 40_000, what: 'K2 handled' });
    expect(handled).toEqual([
      { instance: owner === 'x' ? 'y' : 'x', label: 'L1' },
      { instance: owner === 'x' ? 'y' : 'x', label: 'K1' },
      { instance: owner === 'x' ? 'y' : 'x', label: 'K2' },
    ]);
    await waitFor(async () => (await parked.countDocuments({})) === 0, { what: 'nothing left parked' });
  }, 150_000);
});
