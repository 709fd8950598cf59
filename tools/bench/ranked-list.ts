/**
 * The `ranked-list` figure (issue 9): the committee's ranked list endpoint
 * (GET /calls/:callId/waves/:waveId/ranking, first page of 50) on a call of 10 000 evaluated
 * dossiers with 3 reviews each, beside a bare baseline: fastify + mongoose reading the same 10 000
 * documents with the same projection and sorting them by their raw mean. The evaluations are seeded
 * straight into both databases, shaped as the evaluation store writes them (the reviews come from
 * the `ranking` figure's generator); the call copy as the call.* events leave it; in the product's
 * database also the read models its consumers keep from the evaluation events, written by the same
 * functions (the committee's scoreboard, the reviews' score projection), which its ranked list reads.
 */
import { randomBytes } from 'node:crypto';
import type { CallSnapshot } from '@aap/contracts';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { bucketId, bucketOf, lineOf } from '../../apps/evaluation-service/src/committee/scoreboard';
import type { EvaluationState } from '../../apps/evaluation-service/src/evaluations/evaluation';
import type { BenchContext, Row } from './figures';
import { closedLoop, median, type LoadSummary } from './load';
import { BENCH_GRID, generateCall } from './ranking';
import { BENCH_TEAM, bearer } from './seed';
import { sampleProcess, type NodeProcess } from './stack';

const WAVE_ID = 'vague-1';
const BATCH = 500;
/** One request at a time: each reads the whole call, the figure is its latency. */
const CONNECTIONS = 1;

function rankedCall(callId: string, now: Date): CallSnapshot {
  const rules = passNumeriqueCallRules({}, now);
  const day = 24 * 60 * 60 * 1000;
  return {
    ...rules,
    callId,
    status: 'closed',
    scoringGrid: { criteria: BENCH_GRID.criteria.map((c) => ({ ...c, label: c.label ?? c.criterionId })), passThreshold: BENCH_GRID.passThreshold! },
    waves: [{ waveId: WAVE_ID, label: 'Vague 1', opensAt: new Date(now.getTime() - 60 * day).toISOString(), closesAt: new Date(now.getTime() - day).toISOString() }],
    closesAt: new Date(now.getTime() - day).toISOString(),
    publishedAt: new Date(now.getTime() - 60 * day).toISOString(),
    closedAt: new Date(now.getTime() - day).toISOString(),
    team: BENCH_TEAM,
    version: 3,
  };
}

/** An evaluated dossier as `evaluationStore` stores it: the whole submitted snapshot, admissibility, assignments, reviews. */
function evaluationDocuments(call: CallSnapshot, dossiers: number, now: Date) {
  const description = 'Un tiers-lieu de médiation numérique ouvert six jours sur sept. '.repeat(30);
  return generateCall(dossiers).map((entry, i) => {
    const organisationId = `${String(200_000_000 + i).padStart(9, '0')}00017`;
    const requested = 1_000_000 + (i % 40) * 100_000;
    const snapshot = {
      dossierId: entry.dossierId,
      number: entry.number,
      callId: call.callId,
      waveId: WAVE_ID,
      applicant: { organisationId, name: `Organisation ${i}`, kind: 'commune', territory: { communeCode: '69123', departements: ['69'], regions: ['84'] }, contacts: [{ name: 'Camille Martin', email: 'camille@example.org' }] },
      project: { title: `Projet ${i}`, summary: 'Pass numérique pour les publics éloignés.', description, startDate: '2027-01-01', endDate: '2027-12-31' },
      budget: { eligibleCostCents: 2 * requested, requestedGrantCents: requested, otherFunding: [{ kind: 'own-contribution', funder: 'La commune', amountCents: requested }] },
      attachments: [1, 2].map((n) => ({ attachmentId: `a-${i}-${n}`, documentType: 'statuts', fileName: `piece-${n}.pdf`, contentType: 'application/pdf', sizeBytes: 120_000, sha256: randomBytes(32).toString('hex') })),
      submittedAt: entry.submittedAt,
      contentHash: randomBytes(32).toString('hex'),
    };
    const submittedAt = new Date(entry.submittedAt);
    return {
      _id: entry.dossierId,
      number: entry.number,
      callId: call.callId,
      waveId: WAVE_ID,
      organisationId,
      stage: 'evaluated',
      dossierStatus: 'under-review',
      snapshot,
      changes: [],
      admissibility: { checks: [{ checkId: 'documents', label: 'Pièces requises', passed: true, automatic: true }], reasons: [], admissible: true, assessedBy: 'automatic', assessedAt: submittedAt },
      assignments: entry.reviews.map((r) => ({ reviewerId: r.reviewerId, name: r.reviewerId, email: `${r.reviewerId}@example.org`, assignedAt: submittedAt, dueAt: now, state: 'submitted' })),
      reviews: entry.reviews.map((r) => ({ reviewerId: r.reviewerId, scores: r.scores.map((s) => ({ ...s, comment: 'Avis motivé sur ce critère.' })), weightedScore: r.weightedScore, submittedAt: now })),
      complements: [],
      decisions: [],
      completedAt: now,
      createdAt: submittedAt,
      updatedAt: now,
      version: 4,
      outboxPending: false,
    };
  });
}

/**
 * The evaluation service's read models of those evaluations, as its consumers write them from the
 * evaluation events: the committee's scoreboard (one line per evaluation in its bucket,
 * scoreboard.projection.ts) and the reviews' score projection (one document per reviewer, call-scores.projection.ts).
 */
function readModels(call: CallSnapshot, documents: ReturnType<typeof evaluationDocuments>) {
  const buckets = new Map<string, string[]>();
  const reviewers = new Map<string, { dossiers: string[]; weightedScores: number[] }>();
  for (const doc of documents) {
    const state = { ...doc, dossierId: doc._id } as unknown as EvaluationState;
    const id = bucketId(call.callId, WAVE_ID, bucketOf(doc._id));
    buckets.set(id, [...(buckets.get(id) ?? []), lineOf(state)]);
    for (const review of doc.reviews) {
      const scores = reviewers.get(review.reviewerId) ?? { dossiers: [], weightedScores: [] };
      scores.dossiers.push(doc._id);
      scores.weightedScores.push(review.weightedScore);
      reviewers.set(review.reviewerId, scores);
    }
  }
  return {
    scoreboard: [...buckets].map(([_id, lines]) => ({ _id, callId: call.callId, waveId: WAVE_ID, lines: lines.join('\n'), version: 1 })),
    reviewerScores: [...reviewers].map(([reviewerId, s]) => ({ _id: `${call.callId}|${reviewerId}`, callId: call.callId, reviewerId, dossiers: s.dossiers.join('\n'), weightedScores: s.weightedScores.join('\n'), version: 1 })),
  };
}

async function insertAll(collection: { insertMany(docs: object[]): Promise<unknown> }, documents: object[]) {
  for (let i = 0; i < documents.length; i += BATCH) await collection.insertMany(documents.slice(i, i + BATCH));
}

const fmtMs = (value: number) => `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;
const fmtRate = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} req/s`;

export async function rankedListFigure(context: BenchContext, dossiers = 10_000): Promise<Row[]> {
  const { services, baseline, database, options, log } = context;
  const now = new Date();
  const call = rankedCall(`bench-ranked-${Date.now().toString(36)}`, now);
  const seededAt = performance.now();
  const documents = evaluationDocuments(call, dossiers, now);
  // The call copy as the evaluation service keeps it; both sides get the same evaluations.
  await database('evaluation').collection('calls').insertOne({ _id: call.callId as never, call, version: call.version });
  await insertAll(database('evaluation').collection('evaluations'), documents);
  const { scoreboard, reviewerScores } = readModels(call, documents);
  await insertAll(database('evaluation').collection('committee_scoreboards'), scoreboard);
  await insertAll(database('evaluation').collection('reviewer_scores'), reviewerScores);
  await insertAll(database('baseline').collection('evaluations'), documents);
  log(`ranked-list: ${dossiers} evaluated dossiers × 3 reviews seeded in both databases in ${((performance.now() - seededAt) / 1000).toFixed(0)} s (product: + ${scoreboard.length} scoreboard buckets, ${reviewerScores.length} reviewer score documents)`);

  const committee = await bearer(['committee']);
  const path = `/calls/${call.callId}/waves/${WAVE_ID}/ranking?pageSize=50`;
  const loop = (server: NodeProcess, headers: Record<string, string>) => () =>
    closedLoop(server.url, () => ({ method: 'GET', path, headers }), { connections: CONNECTIONS, seconds: options.seconds, warmupSeconds: 0, timeoutMs: 120_000, cpuSeconds: () => sampleProcess(server.pid)?.cpuSeconds });
  const first = await loop(services.evaluation, { authorization: committee })();
  if (first.failed > 0) throw new Error(`ranked-list: the product's ranking failed: ${first.firstFailures.join(' | ')}`);

  const runs: { product: LoadSummary[]; baseline: LoadSummary[] } = { product: [], baseline: [] };
  for (let repetition = 1; repetition <= options.repetitions; repetition++) {
    const order = repetition % 2 ? (['product', 'baseline'] as const) : (['baseline', 'product'] as const);
    for (const side of order) {
      const result = await (side === 'product' ? loop(services.evaluation, { authorization: committee }) : loop(baseline, {}))();
      runs[side].push(result);
      log(`ranked-list #${repetition} ${side}: p50 ${fmtMs(result.p50)}, p99 ${fmtMs(result.p99)}, ${fmtRate(result.throughput)}${result.cpuMsPerRequest !== undefined ? `, ${fmtMs(result.cpuMsPerRequest)} CPU/req` : ''}${result.failed ? `, ${result.failed} failed` : ''}`);
    }
  }
  const p50 = (side: LoadSummary[]) => median(side.map((r) => r.p50));
  const cpu = (side: LoadSummary[]) => median(side.map((r) => r.cpuMsPerRequest ?? Number.NaN));
  const describe = (side: LoadSummary[]) => `${fmtMs(p50(side))} per request · ${fmtRate(median(side.map((r) => r.throughput)))}${Number.isFinite(cpu(side)) ? ` · ${fmtMs(cpu(side))} CPU/req` : ''}`;
  return [
    {
      id: 'ranked-list',
      figure: `ranked list endpoint (committee, page of 50) on a call of ${dossiers} evaluated dossiers × 3 reviews, ${CONNECTIONS} connection`,
      product: describe(runs.product),
      baseline: `${describe(runs.baseline)} (find + projection + sort)`,
      ratio: p50(runs.product) > 0 ? p50(runs.baseline) / p50(runs.product) : null,
      latency: `p50/p99 ${fmtMs(p50(runs.product))}/${fmtMs(median(runs.product.map((r) => r.p99)))} · ${fmtMs(p50(runs.baseline))}/${fmtMs(median(runs.baseline.map((r) => r.p99)))}`,
      details: { dossiers, reviewsPerDossier: 3, runs },
    },
  ];
}
