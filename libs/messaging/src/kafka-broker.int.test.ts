import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AssignerProtocol, type Consumer } from 'kafkajs';
import { createLogger } from '@aap/observability';
import { useTestEnvironment, waitFor } from '@aap/test-harness';
import { createIdempotentProducer, createKafka, ensureTopics } from './index';

const env = useTestEnvironment();
const kafka = () => createKafka({ clientId: 'broker-compat', brokers: env.kafkaBrokers.split(','), logger: createLogger({ service: 'test', level: 'silent' }) });

/** What the platform needs from the broker version it runs (kafkajs against Kafka 4.x, KIP-896). */
describe('the Kafka broker works with kafkajs', () => {
  it('admin: creates topics with the configured partitions, idempotently', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const topic = `${env.prefix}.compat.admin`;
      await ensureTopics(admin, [topic], { partitions: 4, replicationFactor: -1 });
      await ensureTopics(admin, [topic], { partitions: 4, replicationFactor: -1 }); // already there: no error
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      expect(metadata!.partitions).toHaveLength(4);
    } finally {
      await admin.disconnect();
    }
  });

  it('idempotent producer: acks=all sends, per-key order kept within a partition', async () => {
    const client = kafka();
    const admin = client.admin();
    await admin.connect();
    const topic = `${env.prefix}.compat.produce`;
    await ensureTopics(admin, [topic], { partitions: 3, replicationFactor: -1 });
    const producer = createIdempotentProducer(client);
    await producer.connect();
    const key = randomUUID();
    for (let i = 0; i < 20; i++) await producer.send({ topic, acks: -1, messages: [{ key, value: String(i) }] });
    await producer.disconnect();

    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const used = offsets.filter((o) => o.high !== '0');
    expect(used).toHaveLength(1); // one key, one partition
    expect(used[0]!.high).toBe('20');

    const received: string[] = [];
    const consumer = client.consumer({ groupId: `${env.prefix}.compat.order` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value!.toString()) });
    await waitFor(() => received.length === 20, { what: 'the 20 messages received' });
    await consumer.disconnect();
    expect(received).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('consumer groups: partitions are shared between members, and committed offsets resume', async () => {
    const client = kafka();
    const admin = client.admin();
    await admin.connect();
    const topic = `${env.prefix}.compat.group`;
    await ensureTopics(admin, [topic], { partitions: 4, replicationFactor: -1 });
    const groupId = `${env.prefix}.compat.group`;
    const producer = createIdempotentProducer(client);
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });

    const seenBy = new Map<string, Set<number>>();
    const values = new Set<string>();
    const members: Consumer[] = [];
    for (const member of ['a', 'b']) {
      const consumer = client.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          seenBy.set(member, (seenBy.get(member) ?? new Set()).add(partition));
          values.add(message.value!.toString());
        },
      });
      members.push(consumer);
    }
    await waitFor(async () => (await admin.describeGroups([groupId])).groups[0]!.members.length === 2 && values.size === 40, {
      what: 'both members in the group and the first 40 messages read',
    });
    // Send more once both members are in: each member gets some partitions.
    seenBy.clear();
    await producer.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` })) });
    await waitFor(() => values.size === 80, { what: 'the 80 messages read' });
    // Shared: each member was assigned at least one partition, the two assignments are disjoint and cover all four.
    const assigned = (await admin.describeGroups([groupId])).groups[0]!.members.map(
      (member) => AssignerProtocol.MemberAssignment.decode(member.memberAssignment)!.assignment[topic] ?? [],
    );
    expect(assigned).toHaveLength(2);
    for (const partitions of assigned) expect(partitions.length).toBeGreaterThanOrEqual(1);
    expect([...assigned[0]!, ...assigned[1]!].sort()).toEqual([0, 1, 2, 3]);
    // And the second batch was read by both members, each from its own partitions.
    const readBy = ['a', 'b'].map((member) => [...(seenBy.get(member) ?? [])]);
    for (const partitions of readBy) expect(partitions.length).toBeGreaterThanOrEqual(1);
    expect(readBy[0]!.filter((partition) => readBy[1]!.includes(partition))).toEqual([]);
    for (const consumer of members) await consumer.disconnect();

    // Offsets were committed: a new member of the same group reads only what came after.
    await producer.send({ topic, messages: [{ key: 'k0', value: 'third' }] });
    const resumed: string[] = [];
    const late = client.consumer({ groupId });
    await late.connect();
    await late.subscribe({ topic, fromBeginning: true });
    await late.run({ eachMessage: async ({ message }) => void resumed.push(message.value!.toString()) });
    await waitFor(() => resumed.length > 0, { what: 'the late member to read' });
    expect(resumed).toEqual(['third']);
    await late.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });
});
