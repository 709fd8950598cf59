import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { consumerGroupId, deadLetterTopicName, eventTopicName, ProbeLaunched, type ProbePayload } from '@aap/contracts';
import { newEvent, PermanentHandlerError, publishDeadLetter, toKafkaMessage } from '@aap/messaging';
import { useTestEnvironment, waitFor } from '@aap/test-harness';
import { startStandaloneConsumer, type StandaloneConsumer } from '../libs/messaging/src/consumer.fixture';
import { runDlq } from './dlq';

const env = useTestEnvironment();
const service = 'notification' as const;
const payload = (label: string): ProbePayload => ({ probeId: randomUUID(), label, hops: [{ service: 'submission', at: new Date().toISOString() }] });

/** Runs the CLI's command in this process, on this test's topics and database. */
async function dlq(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDlq(argv, { env: env.envFor(service), out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err: err.join('\n') };
}

describe('npm run dlq: list and replay a service\'s dead letters', () => {
  let standalone: StandaloneConsumer;
  let fixed = false;
  /** Successful handlings per label: what "handled once" is measured on. */
  const handled = new Map<string, number>();
  const probeTopic = () => eventTopicName(env.prefix, ProbeLaunched.topic);
  const broken = newEvent('submission', ProbeLaunched, payload('broken until fixed'));
  const fine = newEvent('submission', ProbeLaunched, payload('fine'));
  let joinsAtStart: number;

  async function topicEnd(topic: string): Promise<number> {
    const admin = env.kafka().admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /** Offsets the service's own group committed on the probe topic (all partitions). */
  async function serviceGroupPosition(): Promise<number> {
    const admin = env.kafka().admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: consumerGroupId(env.prefix, service), topics: [probeTopic()] });
      return committed!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    } finally {
      await admin.disconnect();
    }
  }

  beforeAll(async () => {
    standalone = await startStandaloneConsumer(env, {
      service,
      topics: [probeTopic()],
      partitions: 2,
      register: (consumer) =>
        consumer.on(ProbeLaunched, async (event) => {
          if (event.data.label === 'broken until fixed' && !fixed) throw new PermanentHandlerError('no template for this probe');
          handled.set(event.data.label, (handled.get(event.data.label) ?? 0) + 1);
        }),
    });
    await waitFor(() => standalone.consumer.groupJoins > 0, { what: 'the consumer in its group' });
    joinsAtStart = standalone.consumer.groupJoins;
  });
  afterAll(() => standalone?.stop());

  it('lists the dead letter of a permanently failing handler with its reason, on the real dead-letter topic', async () => {
    await standalone.producer.send({ topic: probeTopic(), messages: [broken, fine].map((e) => toKafkaMessage(e.envelope)) });
    await waitFor(async () => (await dlq('list', '--service', service, '--json')).out.length === 1, { what: 'one dead letter listed' });

    const { code, out, err } = await dlq('list', '--service', service, '--json');
    expect(code).toBe(0);
    const letter = JSON.parse(out[0]!);
    expect(letter).toMatchObject({
      eventId: broken.envelope.id,
      eventType: ProbeLaunched.type,
      reason: 'handler-failed',
      detail: 'no template for this probe',
      attempts: 1,
      truncated: false,
      original: { topic: probeTopic() },
      key: broken.envelope.subject,
    });
    // The original headers, without the dlq_* ones the dead-letter publisher added.
    expect(letter.headers.ce_id).toBe(broken.envelope.id);
    expect(Object.keys(letter.headers).filter((name) => name.startsWith('dlq_'))).toEqual([]);
    expect(err).toContain(`1 dead letter(s) on ${deadLetterTopicName(env.prefix, service)}`);
    expect(handled.get('fine')).toBe(1);
    expect(handled.get('broken until fixed')).toBeUndefined();
  });

  it('replay --id re-publishes the original message once the handler is fixed, and the consumer handles it once', async () => {
    fixed = true;
    const before = await topicEnd(probeTopic());
    const { code, out, err } = await dlq('replay', '--service', service, '--id', broken.envelope.id);
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(new RegExp(`^replayed .*${broken.envelope.id} -> ${probeTopic()} .*handler-failed`))]);
    expect(err).toContain('1 replayed, 0 skipped, 0 not found');
    expect(await topicEnd(probeTopic())).toBe(before + 1);

    await waitFor(() => standalone.connection.collection('processed_events').findOne({ _id: broken.envelope.id as never }), { what: 'the replayed event handled' });
    expect(handled.get('broken until fixed')).toBe(1);
  });

  it('a second replay changes nothing: the event is already handled, so nothing is published', async () => {
    const before = await topicEnd(probeTopic());
    const { code, out } = await dlq('replay', '--service', service, '--id', broken.envelope.id);
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^skipped .*already handled/)]);
    expect(await topicEnd(probeTopic())).toBe(before);
  });

  it('without the inbox check the message is sent again, and the consumer skips it as already handled', async () => {
    const before = await topicEnd(probeTopic());
    const { code, out } = await dlq('replay', '--service', service, '--id', broken.envelope.id, '--skip-inbox-check');
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^replayed /)]);
    expect(await topicEnd(probeTopic())).toBe(before + 1);
    // Once the service's group has moved past it, the handler has still run only once.
    await waitFor(async () => (await serviceGroupPosition()) === before + 1, { what: "the service group's position one further" });
    expect(handled.get('broken until fixed')).toBe(1);
  });

  it('a truncated dead letter is not replayed, and says why', async () => {
    const big = newEvent('submission', ProbeLaunched, payload('too big'));
    // Larger than the dead-letter topic takes (maxMessageBytes below): the publisher truncates it.
    const message = { ...toKafkaMessage(big.envelope), value: JSON.stringify({ data: big.envelope.data, padding: 'x'.repeat(5_000) }) };
    await publishDeadLetter(
      standalone.producer,
      { topic: deadLetterTopicName(env.prefix, service), consumer: service, maxMessageBytes: 2_000, logger: pino({ level: 'silent' }) },
      { ...message, key: message.key!, value: message.value!, headers: message.headers!, position: { topic: probeTopic(), partition: 0, offset: '41' }, reason: 'handler-failed', detail: 'too big to keep', attempts: 5 },
    );
    await waitFor(async () => (await dlq('list', '--service', service)).out.length === 2, { what: 'two dead letters listed' });

    const before = await topicEnd(probeTopic());
    const byId = await dlq('replay', '--service', service, '--id', big.envelope.id);
    expect(byId.code).toBe(1);
    expect(byId.out).toEqual([expect.stringMatching(new RegExp(`^skipped .*${big.envelope.id}: truncated dead letter .*cannot be replayed.*${probeTopic()}/0@41`))]);

    const all = await dlq('replay', '--service', service, '--all');
    expect(all.code).toBe(0);
    expect(all.out).toHaveLength(2);
    expect(all.out).toEqual(expect.arrayContaining([expect.stringMatching(/^skipped .*truncated/), expect.stringMatching(/^skipped .*already handled/)]));
    expect(await topicEnd(probeTopic())).toBe(before);
  });

  it('the listings and replays never made the service\'s consumer group rebalance', () => {
    expect(standalone.consumer.groupJoins).toBe(joinsAtStart);
  });

  it('npm run dlq prints one line per dead letter, and refuses bad arguments with its usage and exit code 2', async () => {
    const run = (...argv: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'tools/dlq.ts', ...argv], { env: { ...process.env, ...env.envFor(service) } }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const listed = await run('list', '--service', service, '--limit', '1');
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^\\d+@\\d+  \\S+  ${ProbeLaunched.type}  ${broken.envelope.id}  ${probeTopic()}/\\d@\\d+  handler-failed  no template for this probe$`)),
    ]);
    expect(listed.stderr).toContain('2 dead letter(s)');
    expect(listed.stderr).toContain('the 1 oldest shown');

    const unknown = await run('list', '--service', 'billing');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown service "billing"');
    expect(unknown.stderr).toContain('usage:');

    const neither = await dlq('replay', '--service', service);
    expect(neither.code).toBe(2);
    expect(neither.err).toContain('replay needs either --id <eventId> (one or more) or --all');
    expect((await dlq('replay', '--service', service, '--all', '--id', 'x')).code).toBe(2);
    expect((await dlq('list', '--service', service, '--limit', '0')).err).toContain('--limit must be a positive integer');
  }, 120_000); // two child processes compiling TypeScript on a shared two-core machine
});
