/**
 * Each figure of issue 8, product beside its bare baseline in the same run, repeated, medians.
 * A row says: the product's figure, the baseline's, their ratio (1 = as good as the bare stack,
 * lower is worse: product/baseline for a rate, baseline/product for a latency) and the latencies.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import type mongoose from 'mongoose';
import { closedLoop, fixedRate, median, percentile, type FixedRateResult, type LoadSummary, type RequestSpec } from './load';
import { PROJECT, type Seed, type SeededDossier } from './seed';
import { createTopic, freePort, sampleProcess, startNodeProcess, type NodeProcess } from './stack';
import { ratioAtLeast, TARGETS } from './targets';
import type { WebhookReceiver } from './webhook-receiver';

export interface BenchOptions {
  dossiers: number;
  repetitions: number;
  seconds: number;
  connections: number;
  rates: number[];
  submitSeconds: number;
  submitTimeoutMs: number;
  settleSeconds: number;
  backlog: number;
  backlogTimeoutSeconds: number;
  idleSeconds: number;
  only: Set<string> | undefined;
  /** Dossiers of the calls the staff figures (list, search, counts, export) are measured on, smallest first. */
  sizes: number[];
  /** The pipeline figure's submit rate (per second) and duration. */
  pipelineRate: number;
  pipelineSeconds: number;
}

export interface BenchContext {
  options: BenchOptions;
  prefix: string;
  kafkaBrokers: string;
  mongoUri: string;
  kafka: Kafka;
  mongo: mongoose.mongo.MongoClient;
  services: Record<'submission' | 'evaluation' | 'funding-award' | 'notification', NodeProcess>;
  baseline: NodeProcess;
  infraPids: Partial<Record<'kafka' | 'ferretdb', number>>;
  seed: Seed;
  /** Database of a service of this run, or the baseline's. */
  database(name: string): mongoose.mongo.Db;
  observer: SubmitObserver;
  /** The webhook receiver both sides of the pipeline figure deliver to. */
  webhooks: WebhookReceiver;
  logDir: string;
  serviceEnv: Record<string, string>;
  log(line: string): void;
}

export interface Row {
  id: string;
  figure: string;
  product: string;
  baseline: string;
  /** 1 = as good as the bare baseline; below 1, worse. */
  ratio: number | null;
  latency: string;
  /** The issue's target for this figure (e.g. `p99 ≤ 150 ms`), when it has one, and whether it is met (undefined: not measured). */
  target?: string;
  pass?: boolean;
  /** Every repetition's raw figures, for the JSON. */
  details: unknown;
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }).replace(/,/g, ' ') : '—';
const ms = (value: number) => (Number.isFinite(value) ? (value < 10 ? fmt(value, 1) : fmt(value)) : '—');
const MB = 1024 * 1024;

type Summaries = { product: LoadSummary[]; baseline: LoadSummary[] };
const medianOf = (runs: LoadSummary[], key: keyof Pick<LoadSummary, 'throughput' | 'p50' | 'p95' | 'p99'>) => median(runs.map((run) => run[key]));

function failureNote(runs: LoadSummary[]): string {
  const failed = runs.reduce((sum, run) => sum + run.failed, 0);
  if (failed === 0) return '';
  const statuses: Record<string, number> = {};
  for (const run of runs) for (const [status, count] of Object.entries(run.statuses)) if (!status.startsWith('2')) statuses[status] = (statuses[status] ?? 0) + count;
  return ` (${failed} failed: ${Object.entries(statuses).map(([s, c]) => `${c}×${s}`).join(', ')})`;
}

/** ` · 1.23 ms CPU/req` (median over the repetitions) when the server's CPU could be read. */
function cpuNote(runs: LoadSummary[]): string {
  const perRequest = median(runs.map((run) => run.cpuMsPerRequest ?? Number.NaN));
  return Number.isFinite(perRequest) ? ` · ${fmt(perRequest, 2)} ms CPU/req` : '';
}

function throughputRow(id: string, figure: string, runs: Summaries): Row {
  const product = medianOf(runs.product, 'throughput');
  const baseline = medianOf(runs.baseline, 'throughput');
  return {
    id,
    figure,
    product: `${fmt(product, product < 10 ? 1 : 0)} req/s${cpuNote(runs.product)}${failureNote(runs.product)}`,
    baseline: `${fmt(baseline, baseline < 10 ? 1 : 0)} req/s${cpuNote(runs.baseline)}${failureNote(runs.baseline)}`,
    ratio: baseline > 0 ? product / baseline : null,
    latency: `${ms(medianOf(runs.product, 'p50'))}/${ms(medianOf(runs.product, 'p99'))} ms · ${ms(medianOf(runs.baseline, 'p50'))}/${ms(medianOf(runs.baseline, 'p99'))} ms`,
    details: runs,
  };
}

/** Product then baseline, the order alternating between repetitions so that drift hits both alike. */
async function repeated(context: BenchContext, label: string, product: () => Promise<LoadSummary>, baseline: () => Promise<LoadSummary>): Promise<Summaries> {
  const runs: Summaries = { product: [], baseline: [] };
  for (let repetition = 1; repetition <= context.options.repetitions; repetition++) {
    const order = repetition % 2 ? (['product', 'baseline'] as const) : (['baseline', 'product'] as const);
    for (const side of order) {
      const result = await (side === 'product' ? product() : baseline());
      runs[side].push(result);
      const cpu = result.cpuMsPerRequest !== undefined ? `, ${fmt(result.cpuMsPerRequest, 2)} ms CPU/req` : '';
      context.log(`${label} #${repetition} ${side}: ${fmt(result.throughput, 1)} req/s, p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms${cpu}${result.failed ? `, ${result.failed} failed` : ''}`);
    }
  }
  return runs;
}

function closed(context: BenchContext, server: NodeProcess, next: (i: number) => RequestSpec) {
  const { connections, seconds } = context.options;
  return () => closedLoop(server.url, next, { connections, seconds, cpuSeconds: () => sampleProcess(server.pid)?.cpuSeconds });
}

/** Every seeded dossier, interleaved so that consecutive requests hit different organisations. */
function allDossiers(seed: Seed): SeededDossier[] {
  return [...seed.drafts, ...seed.ready];
}

export async function readFigures(context: BenchContext): Promise<Row[]> {
  const { seed, services, baseline } = context;
  const dossiers = allDossiers(seed);
  const authorization = new Map(seed.organisations.map((o) => [o.organisationId, o.authorization]));
  const pick = (i: number) => dossiers[(i * 7919) % dossiers.length]!;
  const applicantRuns = await repeated(
    context,
    'read as applicant',
    closed(context, services.submission, (i) => ({ method: 'GET', path: `/dossiers/${pick(i).dossierId}`, headers: { authorization: authorization.get(pick(i).organisationId)! } })),
    closed(context, baseline, (i) => ({ method: 'GET', path: `/dossiers/${pick(i).dossierId}`, headers: { 'x-organisation': pick(i).organisationId } })),
  );
  const managerRuns = await repeated(
    context,
    'read as manager',
    closed(context, services.submission, (i) => ({ method: 'GET', path: `/dossiers/${pick(i).dossierId}`, headers: { authorization: seed.manager } })),
    closed(context, baseline, (i) => ({ method: 'GET', path: `/dossiers/${pick(i).dossierId}` })),
  );
  return [
    throughputRow('read-applicant', `read one dossier as its applicant (${fmt(dossiers.length)} stored)`, applicantRuns),
    throughputRow('read-manager', 'read one dossier as a programme manager', managerRuns),
  ];
}

export async function updateFigure(context: BenchContext): Promise<Row[]> {
  const { seed, services, baseline } = context;
  const authorization = new Map(seed.organisations.map((o) => [o.organisationId, o.authorization]));
  // One dossier is never updated twice at once: a pool much larger than the connections, in turn.
  const pool = seed.drafts;
  const body = (i: number) => JSON.stringify({ summary: `${PROJECT.summary} (révision ${i})` });
  const json = { 'content-type': 'application/json' };
  const runs = await repeated(
    context,
    'update a draft part',
    closed(context, services.submission, (i) => {
      const dossier = pool[i % pool.length]!;
      return { method: 'PATCH', path: `/dossiers/${dossier.dossierId}/project`, headers: { ...json, authorization: authorization.get(dossier.organisationId)! }, body: body(i) };
    }),
    closed(context, baseline, (i) => ({ method: 'PATCH', path: `/dossiers/${pool[i % pool.length]!.dossierId}/project`, headers: json, body: body(i) })),
  );
  return [throughputRow('update', 'update a draft part (PATCH project)', runs)];
}

export async function createFigure(context: BenchContext): Promise<Row[]> {
  const { seed, services, baseline } = context;
  const json = { 'content-type': 'application/json' };
  const organisation = (i: number) => seed.organisations[i % seed.organisations.length]!;
  const runs = await repeated(
    context,
    'create a draft',
    closed(context, services.submission, (i) => ({
      method: 'POST',
      path: '/dossiers',
      headers: { ...json, authorization: organisation(i).authorization },
      body: JSON.stringify({ callId: seed.callId, waveId: seed.waveId }),
    })),
    closed(context, baseline, (i) => ({
      method: 'POST',
      path: '/dossiers',
      headers: json,
      body: JSON.stringify({ callId: seed.callId, waveId: seed.waveId, organisationId: organisation(i).organisationId }),
    })),
  );
  const row = throughputRow('create', 'create a draft', runs);
  return [{ ...row, ...ratioAtLeast(row.ratio, TARGETS.createRatio) }];
}

/**
 * Watches the submit events on the broker as an independent consumer: the time each reached Kafka
 * (the producer's timestamp) and the time a consumer got it, to split the pipeline into hops.
 */
export interface SubmitObserver {
  seen: Map<string, { kafkaAt: number; observedAt: number }>;
  stop(): Promise<void>;
}

export async function observeSubmits(kafka: Kafka, topics: { product: string; baseline: string }, groupId: string): Promise<SubmitObserver> {
  const seen = new Map<string, { kafkaAt: number; observedAt: number }>();
  const consumer = kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.product, topics.baseline], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const observedAt = performance.timeOrigin + performance.now();
      const type = message.headers?.ce_type?.toString() ?? 'dossier.submitted';
      if (!type.startsWith('dossier.submitted') || !message.key) return;
      const key = `${topic === topics.product ? 'product' : 'baseline'}:${message.key.toString()}`;
      if (!seen.has(key)) seen.set(key, { kafkaAt: Number(message.timestamp), observedAt });
    },
  });
  return { seen, stop: () => consumer.disconnect() };
}

interface PipelineResult {
  submitted: number;
  stored: number;
  /** Successful submits whose notification was not stored within the settle time. */
  missing: number;
  total: { p50: number; p95: number; p99: number };
  afterAnswer: { p50: number; p95: number; p99: number };
  hops: { http: number; relay: number; broker: number; consumer: number };
}

/** Waits until every successful submit has its notification stored (or the settle time is over), then times each hop. */
async function pipelineOf(
  context: BenchContext,
  side: 'product' | 'baseline',
  run: FixedRateResult,
  dossierIds: string[],
  storedTimes: (ids: string[]) => Promise<Map<string, number>>,
): Promise<PipelineResult> {
  const okIds = run.samples.filter((s) => s.status >= 200 && s.status < 300).map((s) => dossierIds[s.index]!);
  const deadline = Date.now() + context.options.settleSeconds * 1000;
  let stored = new Map<string, number>();
  while (okIds.length > 0) {
    stored = await storedTimes(okIds);
    if (stored.size >= okIds.length || Date.now() > deadline) break;
    await sleep(500);
  }
  const total: number[] = [];
  const afterAnswer: number[] = [];
  const hops = { http: [] as number[], relay: [] as number[], broker: [] as number[], consumer: [] as number[] };
  for (const sample of run.samples) {
    const dossierId = dossierIds[sample.index]!;
    const storedAt = stored.get(dossierId);
    if (storedAt === undefined) continue;
    total.push(storedAt - sample.sentAt);
    afterAnswer.push(storedAt - sample.answeredAt);
    hops.http.push(sample.answeredAt - sample.sentAt);
    const seen = context.observer.seen.get(`${side}:${dossierId}`);
    if (seen) {
      hops.relay.push(seen.kafkaAt - sample.answeredAt);
      hops.broker.push(seen.observedAt - seen.kafkaAt);
      hops.consumer.push(storedAt - seen.observedAt);
    }
  }
  const spread = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
  };
  return {
    submitted: okIds.length,
    stored: stored.size,
    missing: okIds.length - stored.size,
    total: spread(total),
    afterAnswer: spread(afterAnswer),
    hops: { http: median(hops.http), relay: median(hops.relay), broker: median(hops.broker), consumer: median(hops.consumer) },
  };
}

/** The earliest `createdAt` of a document of each dossier whose `eventType` starts with `typePrefix` (and matching `filter`). */
export async function storedIn(collection: mongoose.mongo.Collection, ids: string[], typePrefix: string, filter: Record<string, unknown> = {}): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const documents = await collection.find({ ...filter, dossierId: { $in: ids } }, { projection: { dossierId: 1, eventType: 1, createdAt: 1 } }).toArray();
  for (const document of documents) {
    if (!String(document.eventType ?? '').startsWith(typePrefix)) continue;
    const at = new Date(document.createdAt as Date).getTime();
    const previous = found.get(document.dossierId as string);
    if (previous === undefined || at < previous) found.set(document.dossierId as string, at);
  }
  return found;
}

/**
 * Submit at fixed rates, product and baseline, and the pipeline behind it: the same submissions are
 * followed to their stored notification (the product's inbox item; the baseline consumer's insert).
 */
export async function submitFigures(context: BenchContext): Promise<Row[]> {
  const { seed, services, baseline, options } = context;
  const authorization = new Map(seed.organisations.map((o) => [o.organisationId, o.authorization]));
  const productInbox = context.database('notification').collection('inbox');
  const baselineInbox = context.database('baseline').collection('inbox');
  let nextReady = 0;
  const rows: Row[] = [];
  for (const rate of options.rates) {
    const count = Math.round(rate * options.submitSeconds);
    const http: { product: FixedRateResult[]; baseline: FixedRateResult[] } = { product: [], baseline: [] };
    const pipeline: { product: PipelineResult[]; baseline: PipelineResult[] } = { product: [], baseline: [] };
    for (let repetition = 1; repetition <= options.repetitions; repetition++) {
      const batch = seed.ready.slice(nextReady, nextReady + count);
      nextReady += count;
      if (batch.length < count) throw new Error(`not enough ready dossiers for ${count} submits (seed more: --dossiers)`);
      const ids = batch.map((d) => d.dossierId);
      const order = repetition % 2 ? (['product', 'baseline'] as const) : (['baseline', 'product'] as const);
      for (const side of order) {
        const run =
          side === 'product'
            ? await fixedRate(
                services.submission.url,
                (i) => ({ method: 'POST', path: `/dossiers/${ids[i]}/submit`, headers: { authorization: authorization.get(batch[i]!.organisationId)!, 'idempotency-key': `bench-submit-${ids[i]}` } }),
                { rate, seconds: options.submitSeconds, timeoutMs: options.submitTimeoutMs },
              )
            : await fixedRate(baseline.url, (i) => ({ method: 'POST', path: `/dossiers/${ids[i]}/submit` }), { rate, seconds: options.submitSeconds, timeoutMs: options.submitTimeoutMs });
        const followed = await pipelineOf(context, side, run, ids, (okIds) =>
          side === 'product' ? storedIn(productInbox, okIds, 'dossier.submitted') : storedIn(baselineInbox, okIds, 'dossier.submitted'),
        );
        const { samples: _samples, ...summary } = run;
        http[side].push({ ...summary, samples: [] });
        pipeline[side].push(followed);
        context.log(
          `submit ${rate}/s #${repetition} ${side}: achieved ${fmt(run.achievedRate, 1)}/s, p50 ${ms(run.p50)} ms, p99 ${ms(run.p99)} ms${run.failed ? `, ${run.failed} failed (${run.firstFailures[0] ?? ''})` : ''}; ` +
            `stored ${followed.stored}/${followed.submitted}, total p50/p99 ${ms(followed.total.p50)}/${ms(followed.total.p99)} ms`,
        );
      }
    }
    const achieved = (side: 'product' | 'baseline') => median(http[side].map((r) => r.achievedRate));
    const latency = (side: 'product' | 'baseline', key: 'p50' | 'p99') => median(http[side].map((r) => r[key]));
    rows.push({
      id: `submit-${rate}`,
      figure: `submit at ${rate}/s requested (${count} per run)`,
      product: `${fmt(achieved('product'), 1)}/s achieved${failureNote(http.product)}`,
      baseline: `${fmt(achieved('baseline'), 1)}/s achieved${failureNote(http.baseline)}`,
      ratio: achieved('baseline') > 0 ? achieved('product') / achieved('baseline') : null,
      latency: `${ms(latency('product', 'p50'))}/${ms(latency('product', 'p99'))} ms · ${ms(latency('baseline', 'p50'))}/${ms(latency('baseline', 'p99'))} ms`,
      details: http,
    });
    const totals = (side: 'product' | 'baseline', key: 'p50' | 'p95' | 'p99') => median(pipeline[side].map((r) => r.total[key]));
    const hops = (side: 'product' | 'baseline') => {
      const hop = (key: keyof PipelineResult['hops']) => ms(median(pipeline[side].map((r) => r.hops[key])));
      return `http ${hop('http')} · relay ${hop('relay')} · broker ${hop('broker')} · consumer+handler ${hop('consumer')} ms`;
    };
    const missing = (side: 'product' | 'baseline') => pipeline[side].reduce((sum, r) => sum + r.missing, 0);
    const stored = (side: 'product' | 'baseline') => `p50/p95/p99 ${ms(totals(side, 'p50'))}/${ms(totals(side, 'p95'))}/${ms(totals(side, 'p99'))} ms${missing(side) ? `, ${missing(side)} not stored within ${options.settleSeconds} s` : ''}`;
    rows.push({
      id: `pipeline-${rate}`,
      figure: `submit → notification stored at ${rate}/s (from the request sent)`,
      product: stored('product'),
      baseline: stored('baseline'),
      ratio: totals('product', 'p99') > 0 ? totals('baseline', 'p99') / totals('product', 'p99') : null,
      latency: `hops (medians): ${hops('product')} | baseline: ${hops('baseline')}`,
      details: pipeline,
    });
  }
  return rows;
}

interface DrainResult {
  messages: number;
  drained: boolean;
  committed: number;
  /** Messages per second between the first and the last progress observed (start-up excluded). */
  rate: number;
  /** From the consumer process ready to the last message committed. */
  seconds: number;
}

/** Sum of a group's committed offsets on a topic, and of the topic's end offsets. */
async function groupProgress(kafka: Kafka, groupId: string, topic: string): Promise<{ committed: number; end: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed, ends] = await Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)]);
    const sum = (offsets: Array<{ offset: string }>) => offsets.reduce((total, p) => total + Math.max(0, Number(p.offset)), 0);
    return { committed: sum(committed[0]?.partitions ?? []), end: ends.reduce((total, p) => total + Number(p.high), 0) };
  } finally {
    await admin.disconnect();
  }
}

async function drain(context: BenchContext, groupId: string, topic: string, readyAt: number): Promise<DrainResult> {
  const deadline = readyAt + context.options.backlogTimeoutSeconds * 1000;
  let first: { at: number; committed: number } | undefined;
  let last = { at: readyAt, committed: 0, end: 0 };
  for (;;) {
    const progress = await groupProgress(context.kafka, groupId, topic);
    const at = performance.now();
    last = { at, ...progress };
    if (!first && progress.committed > 0) first = { at, committed: progress.committed };
    if (progress.committed >= progress.end || at > deadline) break;
    await sleep(250);
  }
  const rate = first && last.at > first.at ? (last.committed - first.committed) / ((last.at - first.at) / 1000) : Number.NaN;
  return { messages: last.end, drained: last.committed >= last.end, committed: last.committed, rate, seconds: (last.at - readyAt) / 1000 };
}

/** A genuine `call.published` of this run (from the submission service's topic), as the template of the backlog. */
async function publishedCallMessage(context: BenchContext): Promise<{ value: Record<string, unknown>; headers: Record<string, string> }> {
  const consumer = context.kafka.consumer({ groupId: `${context.prefix}.bench-template-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: `${context.prefix}.submission.call`, fromBeginning: true });
    let found: { value: Record<string, unknown>; headers: Record<string, string> } | undefined;
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(Array.isArray(value) ? value[0] : value)]));
        if (!found && headers.ce_type?.startsWith('call.published')) found = { value: JSON.parse(message.value!.toString()), headers };
      },
    });
    const deadline = Date.now() + 30_000;
    while (!found && Date.now() < deadline) await sleep(100);
    if (!found) throw new Error('no call.published event found on the submission topic');
    return found;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * A backlog of distinct `call.published` events (a new call id and event id each) on a fresh topic,
 * drained by a fresh notification service process, then by bare kafkajs inserting each message.
 */
export async function consumerFigure(context: BenchContext): Promise<Row[]> {
  const { options, kafka } = context;
  const template = await publishedCallMessage(context);
  const runs: { product: DrainResult[]; baseline: DrainResult[] } = { product: [], baseline: [] };
  for (let repetition = 1; repetition <= options.repetitions; repetition++) {
    const prefix = `${context.prefix}b${repetition}`;
    const topic = `${prefix}.submission.call`;
    await createTopic(kafka, topic);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let sent = 0; sent < options.backlog; sent += 500) {
      const messages = Array.from({ length: Math.min(500, options.backlog - sent) }, () => {
        const callId = randomUUID();
        const value = structuredClone(template.value) as { call: { callId: string } };
        value.call.callId = callId;
        return { key: callId, value: JSON.stringify(value), headers: { ...template.headers, ce_id: randomUUID(), ce_subject: callId } };
      });
      await producer.send({ topic, acks: -1, messages });
    }
    await producer.disconnect();
    context.log(`backlog #${repetition}: ${options.backlog} call.published events on ${topic}`);

    const order = repetition % 2 ? (['product', 'baseline'] as const) : (['baseline', 'product'] as const);
    for (const side of order) {
      const port = await freePort();
      const logFile = path.join(context.logDir, `backlog-${repetition}-${side}.log`);
      let consumerProcess: NodeProcess;
      let groupId: string;
      if (side === 'product') {
        groupId = `${prefix}.notification`;
        consumerProcess = await startNodeProcess('notification (backlog)', 'apps/notification-service/src/main.ts', { ...context.serviceEnv, KAFKA_TOPIC_PREFIX: prefix, MONGODB_DB: `${prefix}_notification` }, { port, logFile });
      } else {
        groupId = `${prefix}.baseline`;
        consumerProcess = await startNodeProcess(
          'bare consumer',
          'tools/bench/baseline/consumer.ts',
          { KAFKA_BROKERS: context.kafkaBrokers, MONGODB_URI: context.mongoUri, MONGODB_DB: `${prefix}_baseline`, BASELINE_TOPIC: topic, BASELINE_GROUP: groupId },
          { port, logFile, readyLine: 'baseline consumer running' },
        );
      }
      try {
        const result = await drain(context, groupId, topic, performance.now());
        runs[side].push(result);
        context.log(`backlog #${repetition} ${side}: ${result.drained ? 'drained' : `NOT drained (${result.committed}/${result.messages})`} in ${fmt(result.seconds, 1)} s, ${fmt(result.rate, 1)} msg/s`);
      } finally {
        await consumerProcess.stop();
      }
    }
    await Promise.allSettled([context.mongo.db(`${prefix}_notification`).dropDatabase(), context.mongo.db(`${prefix}_baseline`).dropDatabase()]);
  }
  const rate = (side: 'product' | 'baseline') => median(runs[side].map((r) => r.rate));
  const describe = (side: 'product' | 'baseline') => {
    const undrained = runs[side].filter((r) => !r.drained);
    return `${fmt(rate(side), 1)} msg/s${undrained.length ? ` (not drained within ${options.backlogTimeoutSeconds} s in ${undrained.length} run(s): ${undrained.map((r) => `${r.committed}/${r.messages}`).join(', ')})` : ''}`;
  };
  const ratio = rate('baseline') > 0 ? rate('product') / rate('baseline') : null;
  return [
    {
      ...ratioAtLeast(ratio, TARGETS.backlogRatio),
      id: 'consumer',
      figure: `a consumer draining ${fmt(options.backlog)} call.published (notification vs bare kafkajs + 1 insert/msg)`,
      product: describe('product'),
      baseline: describe('baseline'),
      ratio,
      latency: `time to drain ${fmt(median(runs.product.map((r) => r.seconds)), 1)} s · ${fmt(median(runs.baseline.map((r) => r.seconds)), 1)} s`,
      details: runs,
    },
  ];
}

/** RSS and CPU of each process over `idleSeconds` with nobody using the platform. */
export async function idleFigure(context: BenchContext): Promise<Row[]> {
  const processes: Array<[string, number]> = [
    ...Object.values(context.services).map((service) => [service.name, service.pid] as [string, number]),
    ['bare baseline server', context.baseline.pid],
    ...Object.entries(context.infraPids).map(([name, pid]) => [name, pid] as [string, number]),
  ];
  const before = new Map(processes.map(([name, pid]) => [name, sampleProcess(pid)]));
  const started = performance.now();
  await sleep(context.options.idleSeconds * 1000);
  const elapsed = (performance.now() - started) / 1000;
  const baselineAfter = sampleProcess(context.baseline.pid);
  const baselineBefore = before.get('bare baseline server');
  const baselineCpu = baselineAfter && baselineBefore ? ((baselineAfter.cpuSeconds - baselineBefore.cpuSeconds) / elapsed) * 100 : Number.NaN;
  const baselineText = `${fmt((baselineAfter?.rssBytes ?? Number.NaN) / MB)} MB · ${fmt(baselineCpu, 2)} % of a core`;
  return processes
    .filter(([name]) => name !== 'bare baseline server')
    .map(([name, pid]) => {
      const after = sampleProcess(pid);
      const first = before.get(name);
      const cpu = after && first ? ((after.cpuSeconds - first.cpuSeconds) / elapsed) * 100 : Number.NaN;
      const isService = name in context.services;
      return {
        id: `idle-${name}`,
        figure: `at rest over ${fmt(elapsed, 0)} s: ${name}`,
        product: `${fmt((after?.rssBytes ?? Number.NaN) / MB)} MB · ${fmt(cpu, 2)} % of a core`,
        baseline: isService ? baselineText : '—',
        ratio: null,
        latency: '',
        details: { pid, rssBytes: after?.rssBytes, cpuPercent: cpu, seconds: elapsed },
      };
    });
}
