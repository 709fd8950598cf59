/**
 * The `ledger` figure (issue 15): the call's ledger (GET /calls/:callId/ledger, as finance) on a call
 * of 5 000 awards and 15 000 payments, beside two bare baselines on the same database: a raw driver
 * `findOne({_id})` of a document of the same size as the ledger's summary, and an empty fastify route.
 *
 * Seeded through the projection's code path, in batches: 5 000 awards taken through the real decide
 * functions (granted, started, bank details validated, advance, interim payment and balance paid —
 * three payments each, some balances on lower actual expenses, the rest released), stored as the award
 * store stores them; their ledger rows (`rowOf`) folded by `booksOf`, the projection's own decide
 * functions (`applyRow` per bucket, `applyBucket` per summary, `applyEnvelope` for the call's event),
 * into the buckets and the call's summary; the call copy as the call.* events leave it. Target: p99 ≤ 100 ms.
 */
import type { CallSnapshot } from '@aap/contracts';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { grantAward, type AwardDecision, type AwardState } from '../../apps/funding-award-service/src/awards/award';
import { submitBankDetails, validateBankDetails } from '../../apps/funding-award-service/src/bank-details/bank-details';
import { declareStart } from '../../apps/funding-award-service/src/execution/execution';
import { applyEnvelope, booksOf, rowOf } from '../../apps/funding-award-service/src/ledger/ledger';
import { LEDGER_COLLECTIONS } from '../../apps/funding-award-service/src/ledger/ledger.projection';
import { recordPayment, releaseTranche, requestAdvance, requestBalance, requestInterim, validateTranche } from '../../apps/funding-award-service/src/tranches/tranche';
import type { BenchContext, Row } from './figures';
import { closedLoop, median, type LoadSummary } from './load';
import { BENCH_TEAM, bearer } from './seed';
import { sampleProcess, type NodeProcess } from './stack';

const AWARDS = 5_000;
const BATCH = 500;
/** One request at a time: the figure is the read's latency, not the machine's queue. */
const CONNECTIONS = 1;
const TARGET_P99_MS = 100;

/** An award of the call taken to completion through the real decide functions: three payments. */
function completedAward(callId: string, i: number): AwardState {
  const now = new Date('2027-02-01T10:00:00Z');
  let award: AwardState | null = null;
  const apply = (decide: (a: AwardState) => AwardDecision) => {
    const decision = decide(award!);
    if (decision.outcome !== 'accepted') throw new Error(`bench award ${i}: ${JSON.stringify(decision)}`);
    award = { ...decision.state, version: award!.version + 1 };
  };
  const grantCents = 1_000_000 + (i % 40) * 100_000;
  const granted = grantAward(
    null,
    {
      awardId: `bench-award-${i}`,
      dossier: { dossierId: `bench-award-${i}`, number: `AAP-2027-${String(i).padStart(6, '0')}`, callId, waveId: 'vague-1', organisationId: `${String(200_000_000 + i).padStart(9, '0')}00017` },
      grantCents,
      eligibleCostCents: 2 * grantCents,
      beneficiaryKind: 'commune',
      notifiedAt: '2027-01-10T09:00:00.000Z',
    },
    now,
  );
  if (granted.outcome !== 'accepted') throw new Error(`bench award ${i} not granted`);
  award = { ...granted.state, version: 1 };
  apply((a) => declareStart(a, { startedOn: '2027-01-15', by: 'bench-applicant' }, now));
  apply((a) => submitBankDetails(a, { iban: 'FR76 3000 6000 0112 3456 7890 189', bic: 'BNPAFRPPXXX', holder: `Commune ${i}`, by: 'bench-applicant' }, now));
  apply((a) => validateBankDetails(a, { bankDetailsId: a.pendingBankDetails!.bankDetailsId, by: 'bench-finance-1' }, now));
  const pay = () => {
    const trancheId = award!.tranches.at(-1)!.trancheId;
    apply((a) => validateTranche(a, { trancheId, by: 'bench-finance-1' }, now));
    apply((a) => releaseTranche(a, { trancheId, by: 'bench-finance-2' }, now));
    apply((a) => recordPayment(a, { trancheId, paymentReference: `CHORUS-${trancheId}`, paidOn: '2027-02-01', by: 'bench-finance-2' }, now));
  };
  apply((a) => requestAdvance(a, { by: 'bench-applicant' }, now));
  pay();
  const expenses = [{ supplier: 'Fournisseur', date: '2027-01-20', amountCents: award!.eligibleCostCents, category: 'equipment' }];
  apply((a) => requestInterim(a, { amountCents: Math.floor(a.grantCents / 4), expenses, by: 'bench-applicant' }, now));
  pay();
  // One award in three completes on lower actual expenses: part of its grant is released.
  const actual = i % 3 === 0 ? Math.floor(award!.eligibleCostCents * 0.8) : award!.eligibleCostCents;
  apply((a) => requestBalance(a, { actualEligibleExpensesCents: actual, by: 'bench-applicant' }, now));
  pay();
  return award!;
}

/** An award as the award store keeps it: the state under `_id`, no outbox left to send. */
const awardDocument = ({ awardId, ...fields }: AwardState) => ({ _id: awardId, ...fields, outboxPending: false, outbox: [] });

async function insertAll(collection: { insertMany(docs: object[]): Promise<unknown> }, documents: object[]) {
  for (let i = 0; i < documents.length; i += BATCH) await collection.insertMany(documents.slice(i, i + BATCH));
}

const fmtMs = (value: number) => `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;
const latency = (runs: LoadSummary[]) => `p50 ${fmtMs(median(runs.map((r) => r.p50)))} / p99 ${fmtMs(median(runs.map((r) => r.p99)))}`;

export async function ledgerFigure(context: BenchContext): Promise<Row[]> {
  const { services, baseline, database, options, log } = context;
  const now = new Date();
  const callId = `bench-ledger-${Date.now().toString(36)}`;
  const call: CallSnapshot = { ...passNumeriqueCallRules({}, now), callId, status: 'published', closesAt: new Date(now.getTime() + 86_400_000).toISOString(), team: BENCH_TEAM, version: 1 };

  const seededAt = performance.now();
  const awards = Array.from({ length: AWARDS }, (_, i) => completedAward(callId, i));
  const payments = awards.reduce((sum, a) => sum + a.tranches.filter((t) => t.status === 'paid').length, 0);
  const books = booksOf(callId, awards.map(rowOf));
  const { buckets } = books;
  // The call.published event's write: the envelope beside the totals.
  const withEnvelope = applyEnvelope(books.summary, call);
  const summary = withEnvelope.outcome === 'accepted' ? { ...withEnvelope.state, version: books.summary.version + 1 } : books.summary;
  const product = database('funding-award');
  await product.collection('calls').insertOne({ _id: callId as never, call, version: call.version });
  await insertAll(product.collection('awards'), awards.map(awardDocument));
  await insertAll(product.collection(LEDGER_COLLECTIONS.buckets), buckets.map(({ version, ...bucket }) => ({ _id: `${callId}|${bucket.bucket}`, ...bucket, version })));
  const summaryDocument = { _id: callId, callId, buckets: summary.buckets, totals: summary.totals, envelope: summary.envelope, version: summary.version };
  await product.collection(LEDGER_COLLECTIONS.summaries).insertOne(summaryDocument as never);
  // The bare baseline reads a document of the same size by `_id`.
  await database('baseline').collection('ledger_calls').insertOne(summaryDocument as never);
  const bytes = Buffer.byteLength(JSON.stringify(summaryDocument));
  log(`ledger: ${AWARDS} awards, ${payments} payments, ${buckets.length} buckets and the call's summary (${(bytes / 1024).toFixed(1)} kB) seeded in ${((performance.now() - seededAt) / 1000).toFixed(0)} s`);

  const finance = await bearer(['finance']);
  const loop = (server: NodeProcess, path: string, headers: Record<string, string>) => () =>
    closedLoop(server.url, () => ({ method: 'GET', path, headers }), { connections: CONNECTIONS, seconds: options.seconds, cpuSeconds: () => sampleProcess(server.pid)?.cpuSeconds });
  const sides = {
    product: loop(services['funding-award'], `/calls/${callId}/ledger`, { authorization: finance }),
    findOne: loop(baseline, `/ledger-baseline/${callId}`, {}),
    empty: loop(baseline, '/empty', {}),
  };
  const first = await sides.product();
  if (first.failed > 0) throw new Error(`ledger: the product's ledger failed: ${first.firstFailures.join(' | ')}`);

  const runs: Record<keyof typeof sides, LoadSummary[]> = { product: [], findOne: [], empty: [] };
  for (let repetition = 1; repetition <= options.repetitions; repetition++) {
    const order = (repetition % 2 ? ['product', 'findOne', 'empty'] : ['empty', 'findOne', 'product']) as Array<keyof typeof sides>;
    for (const side of order) {
      const result = await sides[side]();
      runs[side].push(result);
      log(`ledger #${repetition} ${side}: p50 ${fmtMs(result.p50)}, p99 ${fmtMs(result.p99)}, ${result.throughput.toFixed(0)} req/s${result.failed ? `, ${result.failed} failed` : ''}`);
    }
  }
  const p99 = median(runs.product.map((r) => r.p99));
  return [
    {
      id: 'ledger',
      figure: `call ledger (finance) of ${AWARDS} awards and ${payments} payments, ${CONNECTIONS} connection; target p99 ≤ ${TARGET_P99_MS} ms`,
      product: `${latency(runs.product)}${p99 <= TARGET_P99_MS ? ' (within target)' : ' (OVER TARGET)'}`,
      baseline: `findOne({_id}) of ${(bytes / 1024).toFixed(1)} kB: ${latency(runs.findOne)} · empty route: ${latency(runs.empty)}`,
      ratio: p99 > 0 ? median(runs.findOne.map((r) => r.p99)) / p99 : null,
      latency: `p50/p99 ${fmtMs(median(runs.product.map((r) => r.p50)))}/${fmtMs(p99)} · ${fmtMs(median(runs.findOne.map((r) => r.p50)))}/${fmtMs(median(runs.findOne.map((r) => r.p99)))}`,
      details: { awards: AWARDS, payments, buckets: buckets.length, summaryBytes: bytes, runs },
    },
  ];
}
