/**
 * The submit → e-mail → webhook pipeline, hop by hop, at a fixed rate (issue 17's `pipeline` target:
 * 20 submits/s for 60 s, submit p99 ≤ 250 ms, e-mail recorded p99 ≤ 500 ms, webhook delivered p99 ≤ 1 s,
 * nothing queued 2 s after the load stops). Self-contained beside `npm run bench` (which builds the
 * `pipeline` figure): it reuses the bench's stack, seed and load helpers.
 *
 *   npx tsx tools/bench/pipeline-probe.ts [--rate 20] [--seconds 60] [--services all|pipeline] [--organisations 20]
 *
 * Starts the broker and database like the bench (KAFKA_BROKERS + MONGODB_URI, else @aap/local-infra:
 * AAP_INFRA_HOME / AAP_KAFKA_PORT / AAP_FERRETDB_PORT… select a private instance), the services as
 * separate processes, a mail catcher and a webhook receiver on 127.0.0.1 with one back-office
 * subscription to `dossier.submitted`; seeds complete drafts through the submission API, submits them
 * at `--rate` for `--seconds`, and prints, from the request sent or from the previous hop:
 *
 *   submit answer       the HTTP answer (from the request sent)
 *   relay               Kafka record timestamp − answer
 *   broker              an independent observer consumer's receipt − record timestamp
 *   consumer handled    notification's processed_events.handledAt − observer's receipt (every handler of the event)
 *   inbox recorded      inbox item createdAt (from the request sent)
 *   e-mail recorded     e-mail delivery createdAt (from the request sent), then sent (sentAt: the catcher accepted it)
 *   webhook recorded    webhook delivery createdAt (from the request sent), then received by the receiver
 *   drain               last webhook received / e-mail sent − last submit answered; what was still queued 2 s after
 *
 * and the CPU each process used during the run. Databases and topics of the run are dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { fixedRate, percentile, type FixedRateResult } from './load';
import { bearer, seed } from './seed';
import { benchServiceEnv, freePort, REPOSITORY_ROOT, runInfrastructure, sampleProcess, startMailCatcher, startNodeProcess, type Cleanups, type NodeProcess } from './stack';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '60' },
    services: { type: 'string', default: 'all' },
    organisations: { type: 'string', default: '20' },
    settle: { type: 'string', default: '120' },
    'seed-concurrency': { type: 'string', default: '8' },
    env: { type: 'string', multiple: true, default: [] },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const settleMs = Number(values.settle) * 1000;
const ALL = ['submission', 'evaluation', 'funding-award', 'notification'] as const;
const services = values.services === 'all' ? [...ALL] : (['submission', 'notification'] as const);
/** Extra environment of the services (`--env NAME=value`, repeatable): what an iteration tries. */
const extraEnv = Object.fromEntries(values.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));

const say = (line: string) => console.log(`[probe ${new Date().toISOString().slice(11, 19)}] ${line}`);
const epochNow = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const cleanups: Cleanups = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error) => say(`clean-up: ${(error as Error).message}`));
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    const prefix = `probe${Date.now().toString(36)}`;
    const logDir = path.join(REPOSITORY_ROOT, 'tools/bench/results', `${prefix}-logs`);
    const { infra, mongo, kafka } = await runInfrastructure({ prefix, clientId: `${prefix}-probe`, logDir }, say, cleanups);
    // The mail catcher, as the bench runs it (an e-mail's sentAt is its acceptance by the catcher).
    const smtpPort = await startMailCatcher(cleanups);

    // The webhook receiver: the time each event's first delivery arrived, by event id (`webhook-id`).
    const received = new Map<string, number>();
    const receiver = createServer((request, response) => {
      const at = epochNow();
      const id = String(request.headers['webhook-id']);
      request.resume().on('end', () => {
        if (!received.has(id)) received.set(id, at);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      receiver.closeAllConnections();
      receiver.close();
    });

    const serviceEnv = { ...benchServiceEnv(infra, smtpPort), WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', ...extraEnv };
    say(`starting ${services.join(', ')}${values.env.length ? ` with ${values.env.join(' ')}` : ''}…`);
    const started = Object.fromEntries(
      await Promise.all(
        services.map(async (service) => {
          const child = await startNodeProcess(
            service,
            `apps/${service}-service/src/main.ts`,
            { ...serviceEnv, KAFKA_TOPIC_PREFIX: prefix, MONGODB_DB: `${prefix}_${service.replace('-', '_')}` },
            { port: await freePort(), logFile: path.join(logDir, `${service}.log`) },
          );
          cleanups.push(() => child.stop());
          return [service, child] as const;
        }),
      ),
    ) as Record<string, NodeProcess>;
    const submission = started.submission!;
    const notification = started.notification!;
    const notificationDb = mongo.db(`${prefix}_notification`);

    // One back-office subscription: every dossier.submitted of every organisation.
    const { port: receiverPort } = receiver.address() as AddressInfo;
    const subscribed = await fetch(`${notification.url}/webhooks`, {
      method: 'POST',
      headers: { authorization: await bearer(['admin']), 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${receiverPort}/hook`, eventTypes: ['dossier.submitted.v2'] }),
    });
    if (subscribed.status !== 201) throw new Error(`webhook registration answered ${subscribed.status}: ${await subscribed.text()}`);

    const count = Math.round(rate * seconds);
    const seeded = await seed(submission.url, { organisations: Number(values.organisations), ready: count + 1, dossiers: count + 1, concurrency: Number(values['seed-concurrency']), log: say });
    // Wait until notification knows every organisation (their contacts come from organisation.registered).
    await until(async () => (await notificationDb.collection('directory_organisations').countDocuments().catch(() => 0)) >= seeded.organisations.length, 60_000).catch(() =>
      say('the directory did not list every organisation within 60 s: going on'),
    );

    // The observer: when each submit reached Kafka and when an independent consumer got it.
    const observed = new Map<string, { eventId: string; kafkaAt: number; observedAt: number }>();
    const observer = kafka.consumer({ groupId: `${prefix}.probe-observer`, sessionTimeout: 30_000, heartbeatInterval: 1_000 });
    await observer.connect();
    await observer.subscribe({ topics: [`${prefix}.submission.dossier`], fromBeginning: false });
    await observer.run({
      eachMessage: async ({ message }) => {
        const observedAt = epochNow();
        const type = message.headers?.ce_type?.toString() ?? '';
        if (!type.startsWith('dossier.submitted') || !message.key) return;
        const dossierId = message.key.toString();
        if (!observed.has(dossierId)) observed.set(dossierId, { eventId: message.headers!.ce_id!.toString(), kafkaAt: Number(message.timestamp), observedAt });
      },
    });
    cleanups.push(() => observer.disconnect());

    const authorization = new Map(seeded.organisations.map((o) => [o.organisationId, o.authorization]));
    const submitSpec = (dossier: { dossierId: string; organisationId: string }) => ({
      method: 'POST' as const,
      path: `/dossiers/${dossier.dossierId}/submit`,
      headers: { authorization: authorization.get(dossier.organisationId)!, 'idempotency-key': `probe-${randomUUID()}` },
    });
    // A warm-up submit followed to its webhook: the observer and the consumers have joined their groups.
    const [warm, ...ready] = seeded.ready;
    await fixedRate(submission.url, () => submitSpec(warm!), { rate: 1, seconds: 1, timeoutMs: 30_000 });
    await until(async () => observed.has(warm!.dossierId) && received.has(observed.get(warm!.dossierId)!.eventId), 60_000);
    say('warm-up submit followed to its webhook');

    const cpuBefore = Object.fromEntries(Object.entries({ ...Object.fromEntries(Object.entries(started).map(([n, p]) => [n, p.pid])), ...infra.pids }).map(([n, pid]) => [n, sampleProcess(pid!)?.cpuSeconds ?? Number.NaN]));
    say(`submitting ${count} at ${rate}/s…`);
    const run: FixedRateResult = await fixedRate(submission.url, (i) => submitSpec(ready[i]!), { rate, seconds, timeoutMs: 30_000 });
    const loadEnd = Math.max(...run.samples.map((s) => s.answeredAt));
    const ok = run.samples.filter((s) => s.status >= 200 && s.status < 300);
    if (ok.length === 0) throw new Error(`no submit accepted: ${run.firstFailures.join(' | ')}`);
    say(`${ok.length}/${run.samples.length} submits accepted (achieved ${run.achievedRate.toFixed(1)}/s)${run.firstFailures.length ? `; first failures: ${run.firstFailures.join(' | ')}` : ''}`);

    const submitted = ok.map((s) => ({ sample: s, dossierId: ready[s.index]!.dossierId }));
    const eventOf = (dossierId: string) => observed.get(dossierId)?.eventId;
    const emailSent = async () => {
      const docs = await notificationDb.collection('deliveries').find({ channel: 'email', status: 'sent' }, { projection: { eventId: 1 } }).toArray();
      return new Set(docs.map((d) => d.eventId as string));
    };
    const outstanding = async () => {
      const sentMails = await emailSent();
      let webhooks = 0;
      let emails = 0;
      for (const { dossierId } of submitted) {
        const eventId = eventOf(dossierId);
        if (!eventId || !received.has(eventId)) webhooks++;
        if (!eventId || !sentMails.has(eventId)) emails++;
      }
      return { webhooks, emails };
    };
    // What was still queued 2 s after the load stopped.
    const twoSeconds = loadEnd + 2_000 - epochNow();
    if (twoSeconds > 0) await sleep(twoSeconds);
    const queuedAfter2s = await outstanding();
    await until(async () => {
      const left = await outstanding();
      return left.webhooks === 0 && left.emails === 0;
    }, settleMs).catch(() => say(`not everything arrived within ${settleMs / 1000} s`));
    const cpuAfter = Object.fromEntries(Object.entries({ ...Object.fromEntries(Object.entries(started).map(([n, p]) => [n, p.pid])), ...infra.pids }).map(([n, pid]) => [n, sampleProcess(pid!)?.cpuSeconds ?? Number.NaN]));

    // The stored times, read once at the end.
    const byEvent = <T>(docs: T[], key: (d: T) => string) => new Map(docs.map((d) => [key(d), d]));
    const deliveries = await notificationDb.collection('deliveries').find({}, { projection: { eventId: 1, channel: 1, createdAt: 1, sentAt: 1, attempts: 1 } }).toArray();
    const emails = byEvent(deliveries.filter((d) => d.channel === 'email'), (d) => d.eventId as string);
    const webhooks = byEvent(deliveries.filter((d) => d.channel === 'webhook'), (d) => d.eventId as string);
    const inbox = byEvent(await notificationDb.collection('inbox').find({}, { projection: { eventId: 1, createdAt: 1 } }).toArray(), (d) => d.eventId as string);
    const handled = byEvent(await notificationDb.collection('processed_events').find({}, { projection: { handledAt: 1 } }).toArray(), (d) => String(d._id));

    const hops: Record<string, number[]> = {};
    const add = (name: string, value: number | undefined) => {
      if (value !== undefined && Number.isFinite(value)) (hops[name] ??= []).push(value);
    };
    const time = (value: unknown) => (value ? new Date(value as Date).getTime() : undefined);
    const minus = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a - b : undefined);
    let lastDone = 0;
    for (const { sample, dossierId } of submitted) {
      const seen = observed.get(dossierId);
      const eventId = seen?.eventId;
      const sent = sample.sentAt;
      add('submit answer', sample.answeredAt - sent);
      add('relay (Kafka timestamp − answer)', minus(seen?.kafkaAt, sample.answeredAt));
      add('broker (observer receipt − Kafka timestamp)', minus(seen?.observedAt, seen?.kafkaAt));
      if (!eventId) continue;
      const handledAt = time(handled.get(eventId)?.handledAt);
      add('consumer handled (handledAt − observer receipt)', minus(handledAt, seen?.observedAt));
      add('inbox recorded, from the submit', minus(time(inbox.get(eventId)?.createdAt), sent));
      add('e-mail recorded, from the submit', minus(time(emails.get(eventId)?.createdAt), sent));
      add('e-mail sent (sentAt), from the submit', minus(time(emails.get(eventId)?.sentAt), sent));
      add('webhook recorded, from the submit', minus(time(webhooks.get(eventId)?.createdAt), sent));
      add('webhook received, from the submit', minus(received.get(eventId), sent));
      add('webhook received − recorded', minus(received.get(eventId), time(webhooks.get(eventId)?.createdAt)));
      add('webhook attempts', webhooks.get(eventId)?.attempts as number | undefined);
      lastDone = Math.max(lastDone, received.get(eventId) ?? 0, time(emails.get(eventId)?.sentAt) ?? 0);
    }
    console.log(`\npipeline probe: ${submitted.length} submits at ${rate}/s for ${seconds} s requested (achieved ${run.achievedRate.toFixed(1)}/s), services: ${services.join(', ')}`);
    console.log(`${'hop'.padEnd(50)} ${'n'.padStart(5)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}  (ms)`);
    for (const [name, values] of Object.entries(hops)) {
      const sorted = [...values].sort((a, b) => a - b);
      const cell = (value: number) => value.toFixed(0).padStart(8);
      console.log(`${name.padEnd(50)} ${String(sorted.length).padStart(5)} ${cell(percentile(sorted, 50))} ${cell(percentile(sorted, 99))} ${cell(sorted.at(-1)!)}`);
    }
    console.log(`drain: last webhook received / e-mail sent ${((lastDone - loadEnd) / 1000).toFixed(2)} s after the last submit answered`);
    console.log(`queued 2 s after the load stopped: ${queuedAfter2s.webhooks} webhooks, ${queuedAfter2s.emails} e-mails not yet out`);
    const elapsed = (epochNow() - ok[0]!.sentAt) / 1000;
    console.log(`CPU seconds during the run (${elapsed.toFixed(0)} s): ${Object.keys(cpuAfter).map((n) => `${n} ${(cpuAfter[n]! - cpuBefore[n]!).toFixed(1)}`).join(', ')}`);
  } finally {
    await cleanUp();
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await sleep(100);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`[probe] ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
