/**
 * `npx tsx apps/submission-service/src/dossier-index/dossier-index.measure.ts`: what `rowsOfCall`
 * costs on a call of N dossiers (default 10 000, env DOSSIERS), on the database and broker of
 * MONGODB_URI / KAFKA_BROKERS (a database of its own, dropped at the end): cold (the head and the 64
 * buckets), warm with nothing changed (the head only), and after one dossier changed (the head and
 * one bucket). Not a test: figures to read, printed as JSON.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { serviceEnvSchema } from '@aap/config';
import { mintDevelopmentToken } from '@aap/http';
import { startService } from '@aap/service-runtime';
import { submissionService } from '../service';
import type { DossierIndexPort } from '.';

const N = Number(process.env.DOSSIERS ?? 10_000);
const prefix = `m${randomBytes(4).toString('hex')}`;
const config = serviceEnvSchema('submission').parse({
  HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', AAP_DEV_MODE: 'true',
  MONGODB_URI: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/', MONGODB_DB: `${prefix}_submission`,
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', KAFKA_TOPIC_PREFIX: prefix, KAFKA_TOPIC_PARTITIONS: '2',
});
let index!: DossierIndexPort;
const service = await startService(submissionService({ index: (port) => (index = port) }), config);
const dossiers = service.db.collection('dossiers');
const callId = 'measured-call';
const at = new Date();
const ids = Array.from({ length: N }, () => randomUUID());
const KINDS = ['commune', 'epci', 'association', 'company'];
for (let start = 0; start < N; start += 1_000) {
  await dossiers.insertMany(
    ids.slice(start, start + 1_000).map((id, i) => ({
      _id: id as never, number: `AAP-2026-${String(start + i + 1).padStart(6, '0')}`, callId, waveId: `w${i % 3}`, organisationId: String(200_000_000 + start + i),
      status: ['submitted', 'under-review', 'accepted', 'rejected', 'draft'][i % 5], project: { title: `Projet numéro ${start + i} de médiation numérique` },
      budget: { requestedGrantCents: 1_000_000 + i, eligibleCostCents: 3_000_000 },
      applicant: { organisationId: String(200_000_000 + start + i), name: `Commune ${start + i}`, kind: KINDS[i % 4], territory: { departements: [String(1 + (i % 95)).padStart(2, '0')], regions: ['84'] } },
      attachments: [], complementRequests: [], appliedEventIds: [], history: [], submittedAt: at, createdBy: 'seed', createdAt: at, updatedAt: at, version: 3, outbox: {}, outboxPending: false,
    })),
  );
}
const timed = async <T>(work: () => Promise<T>) => {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
};
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const round = (ms: number) => Math.round(ms * 100) / 100;

// Seeded as the bench does: straight into the collection, then a rebuild from it (POST, then GET until done).
const headers = { authorization: `Bearer ${await mintDevelopmentToken({ sub: 'measure', roles: ['admin'] })}`, 'content-type': 'application/json' };
const seeded = await timed(async () => {
  const { rebuildId } = (await (await fetch(`${service.url}/admin/dossier-index/rebuild`, { method: 'POST', headers, body: JSON.stringify({ from: 'dossiers' }) })).json()) as { rebuildId: string };
  for (;;) {
    const state = (await (await fetch(`${service.url}/admin/dossier-index/rebuild/${rebuildId}`, { headers })).json()) as { state: string };
    if (state.state !== 'running') return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
const bulk = await timed(() => index.refreshMany(ids.slice(0, 1_000)));
const cold = await timed(() => index.rowsOfCall(callId));
const warm: number[] = [];
for (let i = 0; i < 200; i += 1) warm.push((await timed(() => index.rowsOfCall(callId))).ms);
const refreshes: number[] = [];
const afterChange: number[] = [];
for (let i = 0; i < 20; i += 1) {
  const id = ids[i * 97]!;
  await dossiers.updateOne({ _id: id as never }, { $set: { 'project.title': `Titre changé ${i}`, updatedAt: new Date() }, $inc: { version: 1 } });
  refreshes.push((await timed(() => index.refresh(id))).ms);
  const read = await timed(() => index.rowsOfCall(callId));
  if (!read.value.some((row) => row.title === `Titre changé ${i}`)) throw new Error('the change is not in the next read');
  afterChange.push(read.ms);
}
console.log(
  JSON.stringify(
    {
      dossiers: N,
      rows: cold.value.length,
      rebuildFromDossiersMs: Math.round(seeded.ms),
      rebuild: seeded.value,
      refreshMany1000Ms: Math.round(bulk.ms),
      coldMs: round(cold.ms),
      warmNothingChanged: { p50: round(percentile(warm, 50)), p99: round(percentile(warm, 99)), n: warm.length },
      afterOneChange: { p50: round(percentile(afterChange, 50)), p99: round(percentile(afterChange, 99)), n: afterChange.length },
      refreshOne: { p50: round(percentile(refreshes, 50)), p99: round(percentile(refreshes, 99)) },
      bucketsBytes: (await service.db.collection('dossier_index_buckets').find({}).toArray()).reduce((sum, b) => sum + String(b.lines).length, 0),
    },
    null,
    2,
  ),
);
await service.db.dropDatabase();
await service.stop();
