import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerGroupId, deadLetterTopicName, eventTopicName, ProbeLaunched, type ProbePayload } from '@aap/contracts';
import { readTopic, useTestEnvironment, waitFor } from '@aap/test-harness';
import { ensureTopics, newEvent, PermanentHandlerError, toKafkaMessage, type Producer } from './index';
import { startStandaloneConsumer, type StandaloneConsumer } from './consumer.fixture';

const env = useTestEnvironment();
const probe = (label: string, probeId: string = randomUUID()): ProbePayload => ({ probeId, label, hops: [{ service: 'submission', at: new Date().toISOString() }] });
const topic = () => eventTopicName(env.prefix, ProbeLaunched.topic);

/** A promise and what settles it. */
function signal() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('consumer: the handlers of one event run side by side, in the order they declare', () => {
  let running: StandaloneConsumer;
  const steps: string[] = [];
  const started = { a: signal(), b: signal() };

  beforeAll(async () => {
    running = await startStandaloneConsumer(env, {
      service: 'evaluation',
      topics: [topic()],
      register: (consumer) => {
        // a and b each wait until the other has started: one after the other, neither would finish
        // (the in-line attempt would time out, the event be parked, and `c` never run).
        consumer.named('a', () =>
          consumer.on(ProbeLaunched, async () => {
            steps.push('a:start');
            started.a.resolve();
            await started.b.promise;
            steps.push('a:end');
          }),
        );
        consumer.on(
          ProbeLaunched,
          async () => {
            steps.push('b:start');
            started.b.resolve();
            await started.a.promise;
            steps.push('b:end');
          },
          { name: 'b' },
        );
        // c reads what a wrote: it starts only once a succeeded.
        consumer.on(ProbeLaunched, async () => void steps.push('c:start'), { after: ['a'] });
      },
    });
  });
  afterAll(() => running.stop());

  it('a and b run at once; c, declared after a, starts once a is done; recorded once all succeeded', async () => {
    const event = newEvent('submission', ProbeLaunched, probe('side by side'));
    await running.producer.send({ topic: topic(), messages: [toKafkaMessage(event.envelope)] });
    await waitFor(() => running.connection.collection('processed_events').findOne({ _id: event.envelope.id as never }), { what: 'the event recorded as handled' });
    expect(steps).toHaveLength(5);
    expect(steps.slice(0, 2).sort()).toEqual(['a:start', 'b:start']);
    expect(steps.indexOf('c:start')).toBeGreaterThan(steps.indexOf('a:end'));
  });
});

describe('consumer: a batch handler', () => {
  let running: StandaloneConsumer;
  /** The labels of each batch handed to the handler, in order. */
  const batches: string[][] = [];
  const applied = new Set<string>();
  const service = 'funding-award';

  beforeAll(async () => {
    running = await startStandaloneConsumer(env, {
      service,
      topics: [topic()],
      overrides: { CONSUMER_MAX_ATTEMPTS: '3', CONSUMER_RETRY_BASE_MS: '20' },
      register: (consumer) =>
        consumer.onBatch([ProbeLaunched], async (events) => {
          const labels = events.map((event) => (event.data as ProbePayload).label);
          batches.push(labels);
          const poison = labels.find((label) => label.startsWith('poison'));
          if (poison) throw new PermanentHandlerError(`${poison} can never be applied`);
          for (const label of labels) applied.add(label);
        }),
    });
  });
  afterAll(() => running.stop());

  it("takes a partition's events at once; a poison event among them is dead-lettered with its reason and the others, and the next ones, are applied", async () => {
    const key = randomUUID();
    const [first, poison, last] = ['first', 'poison pill', 'last'].map((label) => newEvent('submission', ProbeLaunched, probe(label)));
    // One key, one partition, one request: fetched together.
    await running.producer.send({ topic: topic(), messages: [first!, poison!, last!].map((event) => ({ ...toKafkaMessage(event.envelope), key })) });
    await waitFor(() => applied.has('first') && applied.has('last'), { what: 'the good events around the poison applied' });

    // (This group read the topic from its beginning: keep our labels.)
    const ours = new Set(['first', 'poison pill', 'last']);
    expect(batches.find((labels) => labels.includes('first'))!.filter((label) => ours.has(label))).toEqual(['first', 'poison pill', 'last']);
    const dead = await readTopic(env.kafka(), deadLetterTopicName(env.prefix, service), { atLeast: 1 });
    expect(dead.map((m) => [m.headers.ce_id, m.headers.dlq_reason, m.headers.dlq_error])).toEqual([[poison!.envelope.id, 'handler-failed', 'poison pill can never be applied']]);
    const inbox = running.connection.collection('processed_events');
    expect(await inbox.countDocuments({ _id: { $in: [first!.envelope.id, last!.envelope.id] } as never })).toBe(2);

    // The partition is not held: the key's next event is applied in a batch of its own.
    const next = newEvent('submission', ProbeLaunched, probe('after the poison'));
    await running.producer.send({ topic: topic(), messages: [{ ...toKafkaMessage(next.envelope), key }] });
    await waitFor(() => applied.has('after the poison'), { what: 'the next event applied' });
    expect(batches.at(-1)).toEqual(['after the poison']);
  });
});

describe('consumer: a batch redelivered after a crash between its handling and the offset commit', () => {
  const child = fileURLToPath(new URL('./consumer-crash.child.ts', import.meta.url));
  let producer: Producer;

  beforeAll(async () => {
    const admin = env.kafka().admin();
    await admin.connect();
    await ensureTopics(admin, [topic()], { partitions: 1, replicationFactor: -1 }).finally(() => admin.disconnect());
    producer = env.kafka().producer();
    await producer.connect();
  });
  afterAll(() => producer.disconnect());

  /** The crash-test consumer as a child process; resolves with how it ended. */
  function runChild(extraEnv: Record<string, string>) {
    const process_ = spawn(process.execPath, ['--import', 'tsx', child], {
      env: { ...process.env, ...env.envFor('notification', extraEnv) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    process_.stdout.on('data', (chunk) => (output += chunk));
    process_.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => process_.once('exit', (code, signal) => resolve(signal ?? code)));
    return { exited, output: () => output, stop: () => (process_.exitCode === null && process_.signalCode === null ? process_.kill('SIGTERM') : true) };
  }

  it('is applied once by a batch handler that only increments a counter: the inbox written with the batch skips it', async () => {
    const key = randomUUID();
    const events = ['one', 'two', 'three'].map((label) => newEvent('submission', ProbeLaunched, probe(label)));
    await producer.send({ topic: topic(), messages: events.map((event) => ({ ...toKafkaMessage(event.envelope), key })) });

    // Killed after handling and recording its first batch, before committing its offset.
    const crashed = runChild({ AAP_CRASH_AT: 'consumer.before-commit' });
    let ended: NodeJS.Signals | number | null | undefined;
    void crashed.exited.then((how) => (ended = how));
    await waitFor(() => ended !== undefined, { deadlineMs: 60_000, what: `the consumer killed at its crash point; its output:\n${crashed.output().slice(-3000)}` }).catch((error: Error) => {
      crashed.stop();
      throw new Error(`${error.message}\n${crashed.output().slice(-3000)}`);
    });
    expect(ended, crashed.output().slice(-3000)).toBe('SIGKILL');
    const counters = env.database('notification').collection<{ _id: string; applied: number }>('probe_counters');
    const applied = await counters.find({}).toArray();
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.every((counter) => counter.applied === 1)).toBe(true);

    // Restarted: the group's offset was not committed, so it reads the batch again.
    const restarted = runChild({});
    try {
      const last = (await readTopic(env.kafka(), topic(), { atLeast: 3 })).filter((m) => m.key === key).at(-1)!;
      await waitFor(
        async () => {
          const admin = env.kafka().admin();
          await admin.connect();
          const offsets = await admin.fetchOffsets({ groupId: consumerGroupId(env.prefix, 'notification'), topics: [topic()] }).finally(() => admin.disconnect());
          return Number(offsets[0]!.partitions.find((p) => p.partition === last.partition)!.offset) > Number(last.offset);
        },
        { deadlineMs: 60_000, what: `the restarted consumer's offset committed past ${last.partition}/${last.offset}` },
      );
    } finally {
      restarted.stop();
      await restarted.exited;
    }
    const after = await counters.find({ _id: { $in: events.map((event) => (event.envelope.data as ProbePayload).probeId) } }).toArray();
    expect(after.map((counter) => counter.applied)).toEqual([1, 1, 1]);
  }, 120_000);
});
