/**
 * The staff figures of issue 17 — `list`, `search`, `counts`, `export` — each on calls of every
 * `--sizes` (1 000 and 10 000 dossiers), beside the bare server doing the same on a copy of the
 * collection, with the issue's targets and how flat each cost stays from the smallest call to the largest.
 *
 * Seeding (once for the four figures): organisations of every applicant kind registered through the
 * submission API, one call per size created and published through it (the bench's programme manager
 * its first team member), then the calls' dossiers generated (dossier-generator.ts) and inserted
 * straight into the submission database as its store writes them, and the same documents into the
 * baseline's; the year's receipt counter moved past their numbers; then the read model filled by
 * `POST /admin/dossier-index/rebuild {"from":"dossiers"}` and awaited until it says done.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { APPLICANT_KINDS, type ApplicantSnapshot } from '@aap/contracts';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { benchWaves, dossierDocuments, geographyLists, organisationRegistrations } from './dossier-generator';
import type { BenchContext, Row } from './figures';
import { closedLoop, mapLimit, median, type LoadSummary, type RequestSpec } from './load';
import { apiCall, bearer, publishCall } from './seed';
import { sampleProcess, type NodeProcess } from './stack';
import { listQueries, PAGE_SIZE, searchQueries, type ListQuery, type SearchQuery } from './staff-queries';
import { allOf, atMost, flatness, latencyRatio, TARGETS, type Check } from './targets';

/** Applicant organisations registered for the generated calls (every kind among them). */
const ORGANISATIONS = 60;
const BATCH = 500;
const MB = 1024 * 1024;

export interface StaffCall {
  size: number;
  callId: string;
  list: ListQuery[];
  search: SearchQuery[];
}

// ── Seeding ─────────────────────────────────────────────────────────────────────────────────────

const organisationsOf = new WeakMap<BenchContext, Promise<ApplicantSnapshot[]>>();

/** The bench's applicant organisations, registered once per run through the API; as their applicant snapshots. */
export function benchApplicants(context: BenchContext): Promise<ApplicantSnapshot[]> {
  let registered = organisationsOf.get(context);
  if (!registered) {
    registered = registerOrganisations(context);
    organisationsOf.set(context, registered);
  }
  return registered;
}

async function registerOrganisations(context: BenchContext): Promise<ApplicantSnapshot[]> {
  const url = context.services.submission.url;
  const registrations = organisationRegistrations(ORGANISATIONS, geographyLists());
  const applicants = await mapLimit(registrations, 4, async ({ organisationId, body }) => {
    const authorization = await bearer(['applicant'], organisationId);
    const headers = { authorization, 'content-type': 'application/json' };
    const created = await apiCall(`${url}/organisations`, { method: 'POST', headers, body: JSON.stringify(body), expect: [201, 409], what: `registering ${organisationId}` });
    const view = created.status === 201 ? await created.json() : await (await apiCall(`${url}/organisations/${organisationId}`, { headers, expect: [200], what: `reading ${organisationId}` })).json();
    const { name, kind, territory, contacts, groupementMemberSirens } = view as ApplicantSnapshot;
    return { organisationId, name, kind, territory, contacts, ...(groupementMemberSirens ? { groupementMemberSirens } : {}) };
  });
  context.log(`${applicants.length} organisations registered (${new Set(applicants.map((a) => a.kind)).size} kinds)`);
  return applicants;
}

/** Inserts in batches into the collection of each database given (the product's and the baseline's copy). */
export async function insertEverywhere(databases: Array<ReturnType<BenchContext['database']>>, documents: object[]): Promise<void> {
  for (let i = 0; i < documents.length; i += BATCH) {
    const batch = documents.slice(i, i + BATCH);
    // insertMany adds an `_id` to what it is given when absent: each database gets its own copies.
    await Promise.all(databases.map((db) => db.collection('dossiers').insertMany(batch.map((d) => ({ ...d })) as never[])));
  }
}

/** The highest receipt sequence handed out so far (any year): seeded numbers start after it. */
async function receiptCounters(context: BenchContext) {
  const counters = context.database('submission').collection<{ _id: string; value: number }>('counters');
  const highest = async () => Math.max(0, ...(await counters.find({}).toArray()).filter((c) => c._id.startsWith('dossier-number-')).map((c) => c.value));
  /** Moves each year's counter to at least what the seeded numbers used (a later submit never takes one of them). */
  const cover = async (byYear: Record<string, number>) => {
    for (const [year, value] of Object.entries(byYear)) {
      const _id = `dossier-number-${year}`;
      const current = (await counters.findOne({ _id }))?.value ?? 0;
      if (value > current) await counters.updateOne({ _id }, { $set: { value } }, { upsert: true });
    }
  };
  return { highest, cover };
}

/** Fills the read model from the dossiers collection and waits until the rebuild says done (throws when it fails). */
export async function rebuildIndex(context: BenchContext): Promise<void> {
  const url = context.services.submission.url;
  const headers = { authorization: await bearer(['admin']), 'content-type': 'application/json' };
  const started = performance.now();
  const response = await fetch(`${url}/admin/dossier-index/rebuild`, { method: 'POST', headers, body: JSON.stringify({ from: 'dossiers' }) });
  if (response.status !== 202) throw new Error(`POST /admin/dossier-index/rebuild answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const { rebuildId } = (await response.json()) as { rebuildId: string };
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const status = (await (await fetch(`${url}/admin/dossier-index/rebuild/${rebuildId}`, { headers })).json()) as { state: string; rows: number };
    if (status.state === 'done') {
      context.log(`dossier index rebuilt from the dossiers: ${status.rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    if (status.state === 'failed' || Date.now() > deadline) throw new Error(`the dossier index rebuild ${rebuildId} ${status.state === 'failed' ? 'failed' : 'did not end within 15 min'}: ${JSON.stringify(status)}`);
    await sleep(500);
  }
}

const seeds = new WeakMap<BenchContext, Promise<StaffCall[]>>();

/** The calls of every size, seeded once per run for the four staff figures. */
export function staffCalls(context: BenchContext): Promise<StaffCall[]> {
  let seeded = seeds.get(context);
  if (!seeded) {
    seeded = seedStaffCalls(context);
    seeds.set(context, seeded);
  }
  return seeded;
}

async function seedStaffCalls(context: BenchContext): Promise<StaffCall[]> {
  const { options, log, seed } = context;
  const applicants = await benchApplicants(context);
  const counters = await receiptCounters(context);
  let firstSequence = (await counters.highest()) + 1;
  const calls: StaffCall[] = [];
  for (const size of options.sizes) {
    const started = performance.now();
    const now = new Date();
    const rules = passNumeriqueCallRules({
      title: `Pass numérique — banc d’essai, ${size} dossiers`,
      eligibleApplicantKinds: [...APPLICANT_KINDS],
      waves: benchWaves(now),
      maxActiveDossiersPerApplicantPerWave: 1_000_000,
    });
    const callId = await publishCall(context.services.submission.url, seed.manager, rules);
    const { documents, counters: used } = dossierDocuments({ callId, waves: rules.waves, applicants, count: size, firstSequence, seed: size, now });
    firstSequence += size;
    await insertEverywhere([context.database('submission'), context.database('baseline')], documents);
    await counters.cover(used);
    const bytes = documents.reduce((sum, d) => sum + Buffer.byteLength(JSON.stringify(d)), 0);
    log(`call ${callId}: ${size} dossiers (${(bytes / size / 1024).toFixed(1)} kB each as JSON) inserted into the submission database and the baseline's in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    calls.push({ size, callId, list: listQueries(documents), search: searchQueries(documents) });
  }
  // Without the read model's rebuild (a branch without it), the product's routes answer what they can: the rows say so.
  await rebuildIndex(context).catch((error: unknown) => log(`NO INDEX REBUILD — the product's figures below are not on a filled read model: ${(error as Error).message}`));
  return calls;
}

// ── Figures ─────────────────────────────────────────────────────────────────────────────────────

const fmtMs = (value: number) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms` : '—');
const p = (runs: LoadSummary[], key: 'p50' | 'p99' | 'throughput') => median(runs.map((r) => r[key]));

/** Each repetition runs both sides, the order alternating so that drift hits both alike. */
async function alternating<T>(context: BenchContext, label: string, run: (side: 'product' | 'baseline') => Promise<T>, describe: (result: T) => string) {
  const runs = { product: [] as T[], baseline: [] as T[] };
  for (let repetition = 1; repetition <= context.options.repetitions; repetition++) {
    for (const side of repetition % 2 ? (['product', 'baseline'] as const) : (['baseline', 'product'] as const)) {
      const result = await run(side);
      runs[side].push(result);
      context.log(`${label} #${repetition} ${side}: ${describe(result)}`);
    }
  }
  return runs;
}

function failures(runs: Array<LoadSummary & { firstFailures?: string[] }>): string {
  const failed = runs.reduce((sum, r) => sum + r.failed, 0);
  if (failed === 0) return '';
  const statuses = new Map<string, number>();
  for (const run of runs) for (const [status, n] of Object.entries(run.statuses)) if (!status.startsWith('2')) statuses.set(status, (statuses.get(status) ?? 0) + n);
  return ` (${failed} failed: ${[...statuses].map(([s, n]) => `${n}×${s}`).join(', ')})`;
}

interface LatencyFigure {
  id: string;
  title: string;
  connections: number;
  target: number;
  product: (call: StaffCall, i: number, authorization: string) => RequestSpec;
  baseline: (call: StaffCall, i: number) => RequestSpec;
}

/** A closed-loop latency figure at every call size, a row per size with its target, then the row of its flatness. */
async function latencyFigure(context: BenchContext, figure: LatencyFigure): Promise<Row[]> {
  const { services, baseline, seed, options } = context;
  const calls = await staffCalls(context);
  const loop = (server: NodeProcess, next: (i: number) => RequestSpec) => () =>
    closedLoop(server.url, next, { connections: figure.connections, seconds: options.seconds, timeoutMs: 60_000, cpuSeconds: () => sampleProcess(server.pid)?.cpuSeconds });
  const rows: Row[] = [];
  const bySize: Array<{ size: number; product: LoadSummary[]; baseline: LoadSummary[] }> = [];
  for (const call of calls) {
    const runs = await alternating(
      context,
      `${figure.id} (${call.size})`,
      (side) => (side === 'product' ? loop(services.submission, (i) => figure.product(call, i, seed.manager)) : loop(baseline, (i) => figure.baseline(call, i)))(),
      (r) => `p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)}, ${r.throughput.toFixed(1)} req/s${r.failed ? `, ${r.failed} failed (${r.firstFailures[0] ?? ''})` : ''}`,
    );
    bySize.push({ size: call.size, ...runs });
    const describe = (side: LoadSummary[]) => `p50 ${fmtMs(p(side, 'p50'))} · p99 ${fmtMs(p(side, 'p99'))} · ${p(side, 'throughput').toFixed(1)} req/s${failures(side)}`;
    const p99 = p(runs.product, 'p99');
    rows.push({
      id: `${figure.id}-${call.size}`,
      figure: `${figure.title}, ${figure.connections} at once — call of ${call.size}`,
      product: describe(runs.product),
      baseline: describe(runs.baseline),
      ratio: latencyRatio(p(runs.baseline, 'p99'), p99),
      latency: `${fmtMs(p(runs.product, 'p50'))}/${fmtMs(p99)} · ${fmtMs(p(runs.baseline, 'p50'))}/${fmtMs(p(runs.baseline, 'p99'))}`,
      ...(runs.product.some((r) => r.failed > 0) ? { target: `p99 ≤ ${figure.target} ms, every answer 2xx`, pass: false } : atMost('p99', p99, figure.target, 'ms')),
      details: runs,
    });
  }
  rows.push(flatRow(figure.id, bySize.map(({ size, product, baseline }) => ({ size, product: p(product, 'p99'), baseline: p(baseline, 'p99') })), 'p99'));
  return rows;
}

/** The smallest call's figure against the largest's: within 1.5× when the cost is flat. */
function flatRow(id: string, bySize: Array<{ size: number; product: number; baseline: number }>, what: string): Row {
  const [small, large] = [bySize[0]!, bySize.at(-1)!];
  const product = flatness(small.product, large.product);
  const baseline = flatness(small.baseline, large.baseline);
  const text = (ratio: number, a: number, b: number) => `${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '—'} (${what} ${fmtMs(a)} → ${fmtMs(b)})`;
  return {
    id: `${id}-flat`,
    figure: `${id}: cost flat, call of ${large.size} against ${small.size}`,
    product: text(product.ratio, small.product, large.product),
    baseline: text(baseline.ratio, small.baseline, large.baseline),
    ratio: null,
    latency: '',
    target: product.target,
    pass: product.pass,
    details: bySize,
  };
}

/** Page of 50 of a call's dossiers filtered by status and département, 10 staff at once (the issue's list figure). */
export function listFigure(context: BenchContext): Promise<Row[]> {
  const query = (q: ListQuery) => `status=${q.status}&departement=${encodeURIComponent(q.departement)}&page=${q.page}&pageSize=${PAGE_SIZE}`;
  const at = (call: StaffCall, i: number) => call.list[(i * 7) % call.list.length]!;
  return latencyFigure(context, {
    id: 'list',
    title: `list: page of ${PAGE_SIZE} by status + département`,
    connections: context.options.connections,
    target: TARGETS.listP99Ms,
    product: (call, i, authorization) => ({ method: 'GET', path: `/calls/${call.callId}/dossiers?${query(at(call, i))}`, headers: { authorization } }),
    baseline: (call, i) => ({ method: 'GET', path: `/calls/${call.callId}/dossiers?${query(at(call, i))}` }),
  });
}

/** Search within a call by number, SIREN and a name prefix (accents and case as typed). */
export function searchFigure(context: BenchContext): Promise<Row[]> {
  const at = (call: StaffCall, i: number) => call.search[i % call.search.length]!;
  const path = (call: StaffCall, i: number) => `/dossiers/search?q=${encodeURIComponent(at(call, i).q)}&callId=${encodeURIComponent(call.callId)}`;
  return latencyFigure(context, {
    id: 'search',
    title: 'search: number, SIREN, name prefix',
    connections: 1,
    target: TARGETS.searchP99Ms,
    product: (call, i, authorization) => ({ method: 'GET', path: path(call, i), headers: { authorization } }),
    baseline: (call, i) => ({ method: 'GET', path: path(call, i) }),
  });
}

/** A call's dashboard counts (by status, territory, kind, amounts). */
export function countsFigure(context: BenchContext): Promise<Row[]> {
  return latencyFigure(context, {
    id: 'counts',
    title: 'counts of a call (dashboard)',
    connections: 1,
    target: TARGETS.countsP99Ms,
    product: (call, _i, authorization) => ({ method: 'GET', path: `/calls/${call.callId}/dossier-counts`, headers: { authorization } }),
    baseline: (call) => ({ method: 'GET', path: `/calls/${call.callId}/dossier-counts` }),
  });
}

export interface Download {
  status: number;
  /** From the request sent to the first byte of the body. */
  firstByteMs: number;
  wholeMs: number;
  bytes: number;
  lines: number;
  /** The serving process's VmRSS, highest seen during the download minus before it. */
  rssGrowthBytes: number;
}

/** Downloads `path` whole, sampling the server's resident memory every 20 ms meanwhile. */
export async function download(origin: string, path: string, headers: Record<string, string>, pid: number, timeoutMs = 120_000): Promise<Download> {
  const before = sampleProcess(pid)?.rssBytes ?? Number.NaN;
  let peak = before;
  const sampler = setInterval(() => {
    const rss = sampleProcess(pid)?.rssBytes;
    if (rss !== undefined && rss > peak) peak = rss;
  }, 20);
  const started = performance.now();
  let firstByteMs = Number.NaN;
  let bytes = 0;
  let lines = 0;
  try {
    const response = await request(`${origin}${path}`, { headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (bytes === 0) firstByteMs = performance.now() - started;
      bytes += chunk.length;
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    }
    return { status: response.statusCode, firstByteMs, wholeMs: performance.now() - started, bytes, lines, rssGrowthBytes: Math.max(0, peak - before) };
  } catch {
    // No answer within the timeouts, or the connection dropped: a failed download (status 0), what it got so far.
    return { status: 0, firstByteMs, wholeMs: Number.NaN, bytes, lines, rssGrowthBytes: Math.max(0, peak - before) };
  } finally {
    clearInterval(sampler);
  }
}

/** The CSV export of a call (every field of every submitted dossier), streamed. */
export async function exportFigure(context: BenchContext): Promise<Row[]> {
  const { services, baseline, seed } = context;
  const calls = await staffCalls(context);
  const rows: Row[] = [];
  const bySize: Array<{ size: number; product: Download[]; baseline: Download[] }> = [];
  for (const call of calls) {
    const path = `/calls/${call.callId}/dossiers.csv`;
    // Not measured: dossiers inserted straight were never written through the service, so a first export may
    // build what the service otherwise keeps from each write (an export read model). Logged, for the record.
    const first = await download(services.submission.url, path, { authorization: seed.manager }, services.submission.pid);
    context.log(`export (${call.size}) first, not measured: ${first.status}, whole ${fmtMs(first.wholeMs)}, RSS +${(first.rssGrowthBytes / MB).toFixed(1)} MB`);
    const runs = await alternating(
      context,
      `export (${call.size})`,
      (side) => (side === 'product' ? download(services.submission.url, path, { authorization: seed.manager }, services.submission.pid) : download(baseline.url, path, {}, baseline.pid)),
      (d) => `${d.status}, first byte ${fmtMs(d.firstByteMs)}, whole ${fmtMs(d.wholeMs)}, ${(d.bytes / MB).toFixed(1)} MB, ${d.lines} lines, RSS +${(d.rssGrowthBytes / MB).toFixed(1)} MB`,
    );
    bySize.push({ size: call.size, ...runs });
    const m = (side: Download[], key: 'firstByteMs' | 'wholeMs' | 'rssGrowthBytes' | 'bytes' | 'lines') => median(side.map((d) => d[key]));
    const describe = (side: Download[]) => {
      const failed = side.filter((d) => d.status !== 200);
      return `first byte ${fmtMs(m(side, 'firstByteMs'))} · whole ${fmtMs(m(side, 'wholeMs'))} · RSS +${(m(side, 'rssGrowthBytes') / MB).toFixed(1)} MB · ${(m(side, 'bytes') / MB).toFixed(1)} MB, ${m(side, 'lines')} lines${failed.length ? ` (${failed.length} answered ${failed.map((d) => d.status).join(', ')})` : ''}`;
    };
    const checks: Check[] = [
      atMost('first byte', m(runs.product, 'firstByteMs'), TARGETS.exportFirstByteMs, 'ms'),
      atMost('whole', m(runs.product, 'wholeMs'), TARGETS.exportWholeMs, 'ms'),
      atMost('RSS growth', m(runs.product, 'rssGrowthBytes') / MB, TARGETS.exportRssGrowthMb, 'MB'),
    ];
    const ok = runs.product.every((d) => d.status === 200);
    rows.push({
      id: `export-${call.size}`,
      figure: `export: CSV of the call's dossiers — call of ${call.size}`,
      product: describe(runs.product),
      baseline: describe(runs.baseline),
      ratio: latencyRatio(m(runs.baseline, 'wholeMs'), m(runs.product, 'wholeMs')),
      latency: `whole ${fmtMs(m(runs.product, 'wholeMs'))} · ${fmtMs(m(runs.baseline, 'wholeMs'))}`,
      ...(ok ? allOf(checks) : { target: allOf(checks).target, pass: false }),
      details: runs,
    });
  }
  // Flat: the time per dossier exported (a whole export grows with the call by nature), and the first byte.
  const perDossier = bySize.map(({ size, product, baseline }) => ({
    size,
    product: median(product.map((d) => d.wholeMs)) / size,
    baseline: median(baseline.map((d) => d.wholeMs)) / size,
  }));
  const firstByte = bySize.map(({ size, product, baseline }) => ({ size, product: median(product.map((d) => d.firstByteMs)), baseline: median(baseline.map((d) => d.firstByteMs)) }));
  rows.push({ ...flatRow('export', firstByte, 'first byte'), id: 'export-flat-first-byte', figure: `export: first byte flat, call of ${bySize.at(-1)!.size} against ${bySize[0]!.size}` });
  const perRow = flatRow('export', perDossier, 'per dossier');
  rows.push({ ...perRow, id: 'export-flat-per-dossier', figure: `export: time per dossier flat, call of ${bySize.at(-1)!.size} against ${bySize[0]!.size}` });
  return rows;
}
