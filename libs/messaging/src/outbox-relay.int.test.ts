import { randomUUID } from 'node:crypto';
import mongoose, { Schema, type Model } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { catalogue, eventTopicName, ProbeLaunched } from '@aap/contracts';
import { createLogger } from '@aap/observability';
import { readTopic, useTestEnvironment, waitFor } from '@aap/test-harness';
import { createIdempotentProducer, createKafka, ensureTopics, newEvent, OutboxRelay, outboxForInsert, outboxPlugin, withEvents, type OutboxFields, type PendingEvent, type Producer } from './index';

const env = useTestEnvironment();
const logger = createLogger({ service: 'submission', level: 'silent' });
const kafka = () => createKafka({ clientId: 'outbox-relay-test', brokers: env.kafkaBrokers.split(','), logger });
const topic = () => eventTopicName(env.prefix, ProbeLaunched.topic);

interface ProbeDoc extends OutboxFields {
  _id: string;
  label: string;
}

let connection: mongoose.Connection;
let Probe: Model<ProbeDoc>;
const relays: OutboxRelay[] = [];

function relay(options: { pollMs?: number; createProducer?: () => Producer } = {}): OutboxRelay {
  const created = new OutboxRelay({
    createProducer: options.createProducer ?? (() => createIdempotentProducer(kafka())),
    catalogue,
    topicPrefix: env.prefix,
    logger,
    pollMs: options.pollMs ?? 60_000,
  });
  created.track(Probe as unknown as Model<any>);
  relays.push(created);
  return created;
}

/** Counts the update commands sent to `collection` on the test's connection until `stop`. */
function updatesOf(collection: string) {
  let count = 0;
  const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
    if (event.commandName === 'update' && event.command.update === collection) count++;
  };
  connection.getClient().on('commandStarted', listener);
  return {
    stop: () => {
      connection.getClient().off('commandStarted', listener);
      return count;
    },
  };
}

const launched = (probeId: string, label = 'relay test'): PendingEvent =>
  newEvent('submission', ProbeLaunched, { probeId, label, hops: [{ service: 'submission', at: new Date().toISOString() }] });
const stored = (id: string) => env.database('submission').collection('relay_probes').findOne({ _id: id as never });
const publishedIds = async (key: string, atLeast: number) =>
  (await readTopic(kafka(), topic(), { atLeast })).filter((m) => m.key === key).map((m) => m.headers.ce_id);

beforeAll(async () => {
  const admin = kafka().admin();
  await admin.connect();
  await ensureTopics(admin, [topic()], { partitions: 2, replicationFactor: -1 });
  await admin.disconnect();
  connection = await mongoose.createConnection(env.mongoUri, { dbName: env.configFor('submission').MONGODB_DB, monitorCommands: true }).asPromise();
  const schema = new Schema<ProbeDoc>({ _id: String, label: String }, { collection: 'relay_probes', versionKey: false });
  schema.plugin(outboxPlugin);
  Probe = connection.model<ProbeDoc>('RelayProbe', schema);
  await Probe.createIndexes();
});

afterAll(async () => {
  for (const started of relays) await started.stop().then(() => started.close());
  await connection?.close();
});

describe('outbox relay: the pending flag', () => {
  it('given a document of an older version with a numeric counter, when the first relay starts, then it is flagged once (a marker skips this later) and published', async () => {
    const id = randomUUID();
    const event = launched(id, 'legacy');
    // Written raw, as the previous version stored it.
    await Probe.collection.insertOne({ _id: id, label: 'legacy', outbox: { [event.envelope.id]: event }, outboxPending: 1 } as never);

    expect(await relay().relayOnce()).toBe(1);

    expect(await stored(id)).toMatchObject({ outboxPending: false, outbox: {} });
    expect(await publishedIds(id, 1)).toEqual([event.envelope.id]);
    expect(await env.database('submission').collection('outbox_migrations').findOne({ _id: 'outboxPending-flag/relay_probes' as never })).not.toBeNull();
  });

  it('given events written with a document, then the flag is true; once sent, the outbox is empty and the flag false', async () => {
    const id = randomUUID();
    const event = launched(id);
    await Probe.create({ _id: id, label: 'flag', ...outboxForInsert([event]) });
    expect(await stored(id)).toMatchObject({ outboxPending: true, outbox: { [event.envelope.id]: expect.anything() } });
    // The flag is what the relay looks for: an equality on an indexed field.
    expect(await Probe.collection.countDocuments({ _id: id, outboxPending: true } as never)).toBe(1);
    expect((await Probe.collection.indexes()).some((index) => Object.keys(index.key).join() === 'outboxPending')).toBe(true);

    const updates = updatesOf('relay_probes');
    expect(await relay().relayOnce()).toBe(1);

    expect(await stored(id)).toMatchObject({ outboxPending: false, outbox: {} });
    expect(await publishedIds(id, 1)).toEqual([event.envelope.id]);
    // Nothing was written since the relay read it: emptied with its flag lowered in one update.
    expect(updates.stop()).toBe(1);
  });

  it('given an event written while the previous ones are being sent, then it keeps the flag raised and goes out at the next cycle', async () => {
    const id = randomUUID();
    const first = launched(id, 'first');
    const second = launched(id, 'second');
    await Probe.create({ _id: id, label: 'race', ...outboxForInsert([first]) });
    let written = false;
    const slowRelay = relay({
      createProducer: () => {
        const producer = createIdempotentProducer(kafka());
        const send = producer.sendBatch;
        // The aggregate changes again after the relay read it, before it marks `first` sent.
        producer.sendBatch = async (batch) => {
          if (!written) {
            written = true;
            await Probe.updateOne({ _id: id }, withEvents<ProbeDoc>({ $set: { label: 'changed' } }, [second]));
          }
          return send(batch);
        };
        return producer;
      },
    });

    expect(await slowRelay.relayOnce()).toBe(1);
    const between = await stored(id);
    expect(between).toMatchObject({ label: 'changed', outboxPending: true });
    expect(Object.keys(between!.outbox)).toEqual([second.envelope.id]);

    expect(await slowRelay.relayOnce()).toBe(1);
    expect(await stored(id)).toMatchObject({ outboxPending: false, outbox: {} });
    expect(await publishedIds(id, 2)).toEqual([first.envelope.id, second.envelope.id]);
  });

  it('given documents flagged with nothing left to send (empty or absent outbox), then the relay lowers their flag instead of finding them forever', async () => {
    const [empty, absent] = [randomUUID(), randomUUID()];
    await Probe.collection.insertMany([{ _id: empty, label: 'empty', outbox: {}, outboxPending: true }, { _id: absent, label: 'absent', outboxPending: true }] as never);

    expect(await relay().relayOnce()).toBe(0);

    expect(await stored(empty)).toMatchObject({ outboxPending: false });
    expect(await stored(absent)).toMatchObject({ outboxPending: false });
  });

  it('given a running relay whose safety poll is a minute away, when an aggregate is written, then its document is fetched by id and published at once', async () => {
    const running = relay({ pollMs: 60_000 });
    // Its first cycle sweeps (what was pending before it started); the next sweep is a minute away.
    const find = Probe.collection.find.bind(Probe.collection);
    let firstSweepRead = false;
    const sweeps = vi.spyOn(Probe.collection, 'find').mockImplementation(((...args: Parameters<typeof find>) => {
      const cursor = find(...args);
      const toArray = cursor.toArray.bind(cursor);
      cursor.toArray = () => toArray().finally(() => (firstSweepRead = true));
      return cursor;
    }) as typeof find);
    running.start();
    await waitFor(() => firstSweepRead, { what: "the relay's first sweep read" });
    sweeps.mockClear();
    const byId = vi.spyOn(Probe.collection, 'findOne');
    const id = randomUUID();
    const event = launched(id, 'woken');
    await Probe.create({ _id: id, label: 'woken', ...outboxForInsert([]) });
    await Probe.updateOne({ _id: id }, withEvents<ProbeDoc>({ $set: { label: 'woken' } }, [event]));

    await waitFor(async () => (await stored(id))?.outboxPending === false, { deadlineMs: 10_000, what: 'the written document published' });
    expect(await stored(id)).toMatchObject({ outboxPending: false, outbox: {} });
    expect(await publishedIds(id, 1)).toEqual([event.envelope.id]);
    expect(sweeps).not.toHaveBeenCalled();
    expect(byId).toHaveBeenCalledWith({ _id: id, outboxPending: true }, expect.anything());
    sweeps.mockRestore();
    byId.mockRestore();
  });
  it('given a running relay whose safety poll is a minute away, when documents are written and written again in a burst, then each event goes out once, in order, batched by the writes that woke it', async () => {
    const running = relay({ pollMs: 60_000 });
    running.start();
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const events = new Map(ids.map((id) => [id, [launched(id, 'burst first'), launched(id, 'burst second')]] as const));
    // Each document's second write may come while its first entry is being sent or removed: the
    // document is read again only once that removal is done, so nothing is sent twice.
    await Promise.all(
      ids.map(async (id) => {
        const [first, second] = events.get(id)!;
        await Probe.create({ _id: id, label: 'burst', ...outboxForInsert([first!]) });
        await Probe.updateOne({ _id: id }, withEvents<ProbeDoc>({ $set: { label: 'burst again' } }, [second!]));
      }),
    );

    await waitFor(async () => (await Probe.collection.countDocuments({ _id: { $in: ids }, outboxPending: false } as never)) === ids.length, {
      deadlineMs: 20_000,
      what: 'every burst document published',
    });
    const published = await readTopic(kafka(), topic(), { atLeast: ids.length * 2 });
    for (const id of ids) {
      expect(published.filter((m) => m.key === id).map((m) => m.headers.ce_id), id).toEqual(events.get(id)!.map((event) => event.envelope.id));
    }
  });
});
