/**
 * The `pipeline` figure of issue 17: submits at `--pipeline-rate` (20/s) for `--pipeline-seconds`
 * (60 s), open loop, with one back-office webhook subscription to a receiver in the bench process;
 * each submit followed to its e-mail recorded (the notification service's e-mail delivery, its
 * `createdAt`) and to its webhook received, both from the moment the submit was sent; and how much
 * is still on its way 2 s after the last submit answered (nothing, when the pipeline keeps up).
 * Baseline: the bare chain on the same broker — fastify `updateOne` + kafkajs `send`, a kafkajs
 * consumer inserting one document (its "e-mail") then POSTing the webhook to the same receiver.
 *
 * The dossiers submitted are complete drafts of collectivités (dossier-generator.ts `readyDrafts`)
 * inserted straight into the submission database and the baseline's, on a call of their own.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DossierSubmitted } from '@aap/contracts';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { readyDrafts } from './dossier-generator';
import { storedIn, type BenchContext, type Row } from './figures';
import { fixedRate, median, percentile, type FixedRateResult } from './load';
import { apiCall, bearer, publishCall } from './seed';
import { benchApplicants, insertEverywhere } from './staff-lists';
import { atMost, latencyRatio, TARGETS } from './targets';

const epochNow = () => performance.timeOrigin + performance.now();

interface Spread {
  p50: number;
  p95: number;
  p99: number;
}
const spread = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
};

export interface PipelineRun {
  requested: number;
  achievedRate: number;
  failed: number;
  firstFailures: string[];
  submit: Spread;
  /** E-mail recorded − submit sent. */
  email: Spread;
  /** Webhook received − submit sent. */
  webhook: Spread;
  /** 2 s after the last submit answered: e-mails not yet recorded, webhooks not yet received. */
  queuedAfterLoad: { emails: number; webhooks: number };
  /** Still missing when the settle time ran out. */
  missing: { emails: number; webhooks: number };
}

/** The times each dossier's e-mail was recorded: the product's e-mail deliveries, the baseline consumer's inbox. */
function emailTimes(context: BenchContext, side: 'product' | 'baseline'): (ids: string[]) => Promise<Map<string, number>> {
  return side === 'product'
    ? (ids) => storedIn(context.database('notification').collection('deliveries'), ids, DossierSubmitted.type.split('.v')[0]!, { channel: 'email' })
    : (ids) => storedIn(context.database('baseline').collection('inbox'), ids, 'dossier.submitted');
}

async function follow(context: BenchContext, side: 'product' | 'baseline', run: FixedRateResult, ids: string[]): Promise<PipelineRun> {
  const { received } = context.webhooks;
  const ok = run.samples.filter((s) => s.status >= 200 && s.status < 300);
  const okIds = ok.map((s) => ids[s.index]!);
  const emailsOf = emailTimes(context, side);
  const webhookOf = (id: string) => received.get(`${side}:${id}`);
  const lastAnswered = Math.max(...run.samples.map((s) => s.answeredAt));
  await sleep(Math.max(0, lastAnswered + 2_000 - epochNow()));
  const webhooksLate = okIds.filter((id) => webhookOf(id) === undefined).length;
  let emails = await emailsOf(okIds);
  // Without a single submit accepted, nothing could be queued: not measured rather than 0.
  const queuedAfterLoad = okIds.length > 0 ? { emails: okIds.length - emails.size, webhooks: webhooksLate } : { emails: Number.NaN, webhooks: Number.NaN };
  const deadline = lastAnswered + context.options.settleSeconds * 1000;
  // The webhooks are counted in memory; the e-mails (a query on the product's database) only then, so as not to load it meanwhile.
  while (okIds.some((id) => webhookOf(id) === undefined) && epochNow() < deadline) await sleep(250);
  while (emails.size < okIds.length && epochNow() < deadline) {
    await sleep(2_000);
    emails = await emailsOf(okIds);
  }
  const sentAt = new Map(ok.map((s) => [ids[s.index]!, s.sentAt]));
  const since = (times: Array<[string, number | undefined]>) => times.flatMap(([id, at]) => (at === undefined ? [] : [at - sentAt.get(id)!]));
  return {
    requested: run.sent,
    achievedRate: run.achievedRate,
    failed: run.failed,
    firstFailures: run.firstFailures,
    submit: { p50: run.p50, p95: run.p95, p99: run.p99 },
    email: spread(since(okIds.map((id) => [id, emails.get(id)]))),
    webhook: spread(since(okIds.map((id) => [id, webhookOf(id)]))),
    queuedAfterLoad,
    missing: { emails: okIds.length - emails.size, webhooks: okIds.filter((id) => webhookOf(id) === undefined).length },
  };
}

export async function pipelineFigure(context: BenchContext): Promise<Row[]> {
  const { options, services, baseline, seed, log } = context;
  const { pipelineRate: rate, pipelineSeconds: seconds } = options;
  const perRun = Math.round(rate * seconds);
  const now = new Date();
  const applicants = (await benchApplicants(context)).filter((a) => a.kind === 'commune');
  const rules = passNumeriqueCallRules({ title: `Pass numérique — banc d’essai du pipeline ${now.toISOString()}`, maxActiveDossiersPerApplicantPerWave: 1_000_000 }, now);
  const callId = await publishCall(services.submission.url, seed.manager, rules);
  const drafts = readyDrafts({ callId, waveId: rules.waves[0]!.waveId, applicants, count: perRun * options.repetitions, now, prefix: `${callId}-ready` });
  await insertEverywhere([context.database('submission'), context.database('baseline')], drafts);
  log(`pipeline: ${drafts.length} complete drafts of ${applicants.length} communes inserted on call ${callId}`);

  const admin = await bearer(['admin']);
  await apiCall(`${services.notification.url}/webhooks`, {
    method: 'POST',
    headers: { authorization: admin, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${context.webhooks.url}/product`, eventTypes: [DossierSubmitted.type], description: 'bench: the pipeline figure' }),
    expect: [201],
    what: 'subscribing the bench’s webhook receiver',
  });
  const authorizations = new Map(await Promise.all(applicants.map(async (a) => [a.organisationId, await bearer(['applicant'], a.organisationId)] as const)));

  const runs = { product: [] as PipelineRun[], baseline: [] as PipelineRun[] };
  for (let repetition = 1; repetition <= options.repetitions; repetition++) {
    const batch = drafts.slice((repetition - 1) * perRun, repetition * perRun);
    const ids = batch.map((d) => d._id);
    for (const side of repetition % 2 ? (['product', 'baseline'] as const) : (['baseline', 'product'] as const)) {
      const run =
        side === 'product'
          ? await fixedRate(
              services.submission.url,
              (i) => ({ method: 'POST', path: `/dossiers/${ids[i]}/submit`, headers: { authorization: authorizations.get(batch[i]!.organisationId)!, 'idempotency-key': `bench-pipeline-${ids[i]}` } }),
              { rate, seconds, timeoutMs: options.submitTimeoutMs },
            )
          : await fixedRate(baseline.url, (i) => ({ method: 'POST', path: `/dossiers/${ids[i]}/submit` }), { rate, seconds, timeoutMs: options.submitTimeoutMs });
      const result = await follow(context, side, run, ids);
      runs[side].push(result);
      log(
        `pipeline #${repetition} ${side}: ${result.achievedRate.toFixed(1)}/s achieved${result.failed ? `, ${result.failed} failed (${result.firstFailures[0] ?? ''})` : ''}; ` +
          `p99 submit ${ms(result.submit.p99)}, e-mail ${ms(result.email.p99)}, webhook ${ms(result.webhook.p99)}; 2 s after: ${result.queuedAfterLoad.emails} e-mails, ${result.queuedAfterLoad.webhooks} webhooks to come` +
          (result.missing.emails + result.missing.webhooks ? `; never within ${options.settleSeconds} s: ${result.missing.emails} e-mails, ${result.missing.webhooks} webhooks` : ''),
      );
    }
  }
  return pipelineRows(runs, { rate, seconds, perRun, settleSeconds: options.settleSeconds });
}

const count = (value: number) => (Number.isFinite(value) ? String(value) : '—');
const ms = (value: number) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms` : '—');

/** Four rows (submit, e-mail, webhook, queued after the load), medians over the repetitions, each with its target. */
export function pipelineRows(runs: { product: PipelineRun[]; baseline: PipelineRun[] }, load: { rate: number; seconds: number; perRun: number; settleSeconds: number }): Row[] {
  const at = `at ${load.rate}/s for ${load.seconds} s (${load.perRun} submits)`;
  const m = (side: PipelineRun[], pick: (r: PipelineRun) => number) => median(side.map(pick));
  const latencyRow = (id: string, figure: string, key: 'submit' | 'email' | 'webhook', limit: number, note: (side: PipelineRun[]) => string): Row => {
    const p99 = m(runs.product, (r) => r[key].p99);
    const describe = (side: PipelineRun[]) => `p50 ${ms(m(side, (r) => r[key].p50))} · p95 ${ms(m(side, (r) => r[key].p95))} · p99 ${ms(m(side, (r) => r[key].p99))}${note(side)}`;
    return {
      id,
      figure: `pipeline ${at}: ${figure}`,
      product: describe(runs.product),
      baseline: describe(runs.baseline),
      ratio: latencyRatio(m(runs.baseline, (r) => r[key].p99), p99),
      latency: `${ms(m(runs.product, (r) => r[key].p50))}/${ms(p99)} · ${ms(m(runs.baseline, (r) => r[key].p50))}/${ms(m(runs.baseline, (r) => r[key].p99))}`,
      ...atMost('p99', p99, limit, 'ms'),
      details: key === 'submit' ? runs : undefined,
    };
  };
  const failed = (side: PipelineRun[]) => {
    const n = side.reduce((sum, r) => sum + r.failed, 0);
    return `, ${m(side, (r) => r.achievedRate).toFixed(1)}/s achieved${n ? `, ${n} failed` : ''}`;
  };
  const missing = (key: 'emails' | 'webhooks') => (side: PipelineRun[]) => {
    const n = side.reduce((sum, r) => sum + r.missing[key], 0);
    return n ? `, ${n} not within ${load.settleSeconds} s` : '';
  };
  const queued = (side: PipelineRun[]) => side.map((r) => r.queuedAfterLoad.emails + r.queuedAfterLoad.webhooks);
  const worst = (side: PipelineRun[]) => (queued(side).some((n) => !Number.isFinite(n)) ? Number.NaN : Math.max(...queued(side)));
  const queuedRow: Row = {
    id: 'pipeline-queued',
    figure: `pipeline ${at}: e-mails + webhooks still to come 2 s after the last submit answered`,
    product: `${queued(runs.product).map(count).join(', ')} (per run)`,
    baseline: `${queued(runs.baseline).map(count).join(', ')} (per run)`,
    ratio: null,
    latency: runs.product.map((r) => `${count(r.queuedAfterLoad.emails)} e-mails + ${count(r.queuedAfterLoad.webhooks)} webhooks`).join(' · '),
    ...atMost('worst run', worst(runs.product), TARGETS.queuedAfterLoad, ''),
    details: undefined,
  };
  const rows = [
    latencyRow('pipeline-submit', 'submit answered', 'submit', TARGETS.submitP99Ms, failed),
    latencyRow('pipeline-email', 'e-mail recorded (from the submit sent)', 'email', TARGETS.emailRecordedP99Ms, missing('emails')),
    latencyRow('pipeline-webhook', 'webhook delivered (from the submit sent)', 'webhook', TARGETS.webhookDeliveredP99Ms, missing('webhooks')),
    queuedRow,
  ];
  // A submit that failed is a failed figure, whatever the latency of the others.
  if (runs.product.some((r) => r.failed > 0)) rows[0] = { ...rows[0]!, pass: false };
  return rows;
}
