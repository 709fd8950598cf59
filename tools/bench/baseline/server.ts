/**
 * The bare baseline of the HTTP figures: fastify + zod + mongoose doing the same reads and writes
 * as the submission service, on a copy of its dossiers (same document shape and indexes, same
 * database server), and kafkajs for the submit's event and the pipeline's consumer. Nothing else:
 * no authentication, outbox, rules, tracing or logging. What the product costs beyond this is what
 * its own machinery costs.
 *
 * Environment: PORT, MONGODB_URI, MONGODB_DB, KAFKA_BROKERS, BASELINE_TOPIC (submit events; its
 * consumer stores one inbox document per event, the baseline of "notification stored" and of "e-mail
 * recorded", then POSTs the event to BASELINE_WEBHOOK_URL when set: the bare submit → produce →
 * consume → webhook chain of the pipeline figure).
 *
 * The staff figures' routes (list, search, counts, CSV export) do what a bare server does on the
 * collection: `find` + `sort` + `limit` + `countDocuments`, regular expressions, an aggregate per
 * status, a cursor streamed as CSV.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { Schema } from 'mongoose';
import { z } from 'zod';

/** What a bare ranking reads of each evaluation: its scores and what a ranked row shows, never the dossier's text. */
const RANKING_FIELDS = 'number callId waveId organisationId stage dossierStatus reviews assignments decision completedAt snapshot.applicant.name snapshot.budget snapshot.submittedAt snapshot.project.title';
import { projectSection } from '@aap/contracts';

const env = z
  .object({
    PORT: z.coerce.number().int(),
    MONGODB_URI: z.string().min(1),
    MONGODB_DB: z.string().min(1),
    KAFKA_BROKERS: z.string().min(1),
    BASELINE_TOPIC: z.string().min(1),
    BASELINE_WEBHOOK_URL: z.url().optional(),
  })
  .parse(process.env);

/** The submission service's dossier fields and indexes, without its plugins. */
const dossierSchema = new Schema(
  {
    _id: { type: String, required: true },
    number: { type: String, index: true },
    callId: { type: String, required: true, index: true },
    waveId: { type: String, required: true },
    organisationId: { type: String, required: true, index: true },
    status: { type: String, required: true, index: true },
    project: { type: Schema.Types.Mixed, default: () => ({}) },
    budget: { type: Schema.Types.Mixed, default: () => ({}) },
    applicant: Schema.Types.Mixed,
    submittedAt: Date,
    history: [{ _id: false, status: String, at: Date, by: String }],
    createdBy: String,
    createdAt: Date,
    updatedAt: Date,
    version: { type: Number, default: 1 },
  },
  { collection: 'dossiers', versionKey: false, minimize: false, strict: false },
);
dossierSchema.index({ organisationId: 1, callId: 1, waveId: 1, status: 1 });

const connection = await mongoose.createConnection(env.MONGODB_URI, { dbName: env.MONGODB_DB }).asPromise();
const Dossier = connection.model('Dossier', dossierSchema);
await Dossier.init();
const inbox = connection.collection('inbox');

/** The evaluation service's evaluations (ranked-list figure): its indexes, without its plugins. */
const evaluationSchema = new Schema(
  { _id: String, callId: { type: String, index: true }, waveId: String, reviews: Schema.Types.Mixed },
  { collection: 'evaluations', versionKey: false, strict: false },
);
evaluationSchema.index({ callId: 1, waveId: 1 });
const Evaluation = connection.model('Evaluation', evaluationSchema);
await Evaluation.init();

const kafka = new Kafka({ clientId: 'bench-baseline', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const consumer = kafka.consumer({ groupId: `${env.BASELINE_TOPIC}.inbox`, sessionTimeout: 15_000, heartbeatInterval: 1_000 });
await consumer.connect();
await consumer.subscribe({ topic: env.BASELINE_TOPIC, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ message }) => {
    const event = JSON.parse(message.value!.toString()) as { id: string; type: string; dossierId: string };
    await inbox.insertOne({ _id: event.id as never, dossierId: event.dossierId, eventType: 'dossier.submitted', createdAt: new Date() }).catch((error) => {
      if ((error as { code?: number }).code !== 11000) throw error;
    });
    if (env.BASELINE_WEBHOOK_URL) {
      const response = await fetch(env.BASELINE_WEBHOOK_URL, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: event.type, subject: event.dossierId, data: event }) });
      await response.arrayBuffer();
    }
  },
});

const app = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
app.setValidatorCompiler(validatorCompiler);
app.setSerializerCompiler(serializerCompiler);

const params = z.object({ dossierId: z.string().min(1).max(100) });
const notFound = { type: 'about:blank', title: 'Not Found', status: 404 };

app.get('/health/ready', async () => ({ status: 'ready' }));

/** An applicant's read sends its organisation (the product takes it from the token). */
app.get('/dossiers/:dossierId', { schema: { params, headers: z.object({ 'x-organisation': z.string().optional() }) } }, async (request, reply) => {
  const dossier = await Dossier.findById(request.params.dossierId).lean<{ organisationId: string }>();
  const organisation = request.headers['x-organisation'];
  if (!dossier || (organisation && dossier.organisationId !== organisation)) return reply.status(404).type('application/problem+json').send(notFound);
  return dossier;
});

/** What a staff list shows of a dossier (the product answers compact rows of these fields). */
const ROW_FIELDS = 'number callId waveId status organisationId applicant.name applicant.kind applicant.territory project.title budget.requestedGrantCents decision.grantCents submittedAt createdAt updatedAt';
const pageQuery = { page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(20) };
const callParams = z.object({ callId: z.string().min(1).max(200) });

/** A page of a call's dossiers by status and département: find + sort + skip + limit, and the count of the filter. */
app.get(
  '/calls/:callId/dossiers',
  { schema: { params: callParams, querystring: z.object({ status: z.string().max(40).optional(), departement: z.string().max(3).optional(), ...pageQuery }) } },
  async (request) => {
    const { status, departement, page, pageSize } = request.query;
    const filter = { callId: request.params.callId, status: status ?? { $ne: 'draft' }, ...(departement ? { 'applicant.territory.departements': departement } : {}) };
    const [items, total] = await Promise.all([
      Dossier.find(filter).select(ROW_FIELDS).sort({ number: 1, _id: 1 }).skip((page - 1) * pageSize).limit(pageSize).lean(),
      Dossier.countDocuments(filter),
    ]);
    return { items, page, pageSize, total };
  },
);

/** Search in a call: a prefix of the number or of the organisation's id, a case-insensitive piece of the name or title. */
app.get('/dossiers/search', { schema: { querystring: z.object({ q: z.string().min(1).max(100), callId: z.string().min(1).max(200), ...pageQuery }) } }, async (request) => {
  const { q, callId, page, pageSize } = request.query;
  const escaped = q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const filter = {
    callId,
    $or: [
      { number: { $regex: `^${escaped}` } },
      { organisationId: { $regex: `^${escaped}` } },
      { 'applicant.name': { $regex: escaped, $options: 'i' } },
      { 'project.title': { $regex: escaped, $options: 'i' } },
    ],
  };
  const [items, total] = await Promise.all([
    Dossier.find(filter).select(ROW_FIELDS).sort({ number: 1, _id: 1 }).skip((page - 1) * pageSize).limit(pageSize).lean(),
    Dossier.countDocuments(filter),
  ]);
  return { items, page, pageSize, total };
});

/** A call's counts per status, with the amounts requested: one aggregate. */
app.get('/calls/:callId/dossier-counts', { schema: { params: callParams } }, async (request) => {
  const groups = await Dossier.aggregate<{ _id: string; count: number; requestedGrantCents: number }>([
    { $match: { callId: request.params.callId } },
    { $group: { _id: '$status', count: { $sum: 1 }, requestedGrantCents: { $sum: '$budget.requestedGrantCents' } } },
  ]);
  return { callId: request.params.callId, byStatus: Object.fromEntries(groups.map((g) => [g._id, g.count])), requestedGrantCents: Object.fromEntries(groups.map((g) => [g._id, g.requestedGrantCents])) };
});

const CSV_COLUMNS = [
  'dossierId', 'number', 'status', 'waveId', 'organisationId', 'applicantName', 'applicantKind', 'departements', 'regions', 'communeCode',
  'title', 'summary', 'description', 'beneficiaries', 'startDate', 'endDate', 'eligibleCostCents', 'requestedGrantCents', 'otherFunding',
  'attachments', 'complementRequests', 'decision', 'decisionMotivation', 'grantedCents', 'submittedAt', 'createdAt', 'updatedAt',
];
const csvCell = (value: unknown) => {
  const text = value === undefined || value === null ? '' : value instanceof Date ? value.toISOString() : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
type StoredDossier = Record<string, any>;
const csvLine = (d: StoredDossier) =>
  [
    d._id, d.number, d.status, d.waveId, d.organisationId, d.applicant?.name, d.applicant?.kind, d.applicant?.territory?.departements?.join(' '), d.applicant?.territory?.regions?.join(' '), d.applicant?.territory?.communeCode,
    d.project?.title, d.project?.summary, d.project?.description, d.project?.beneficiaries, d.project?.startDate, d.project?.endDate,
    d.budget?.eligibleCostCents, d.budget?.requestedGrantCents, (d.budget?.otherFunding ?? []).map((f: StoredDossier) => `${f.kind}:${f.funder}:${f.amountCents}`).join('; '),
    (d.attachments ?? []).map((a: StoredDossier) => `${a.fileName} (${a.sizeBytes})`).join('; '), (d.complementRequests ?? []).map((c: StoredDossier) => c.message).join('; '),
    d.decision?.kind, d.decision?.motivation, d.decision?.grantCents, d.submittedAt, d.createdAt, d.updatedAt,
  ].map(csvCell).join(',');

/** Every submitted dossier of a call as CSV, streamed from a cursor (backpressure through the stream). */
app.get('/calls/:callId/dossiers.csv', { schema: { params: callParams } }, async (request, reply) => {
  const cursor = Dossier.find({ callId: request.params.callId, status: { $ne: 'draft' } }).lean<StoredDossier[]>().cursor({ batchSize: 500 });
  async function* lines() {
    yield `${CSV_COLUMNS.join(',')}\n`;
    let chunk: string[] = [];
    for await (const dossier of cursor) {
      chunk.push(csvLine(dossier as StoredDossier));
      if (chunk.length === 100) {
        yield `${chunk.join('\n')}\n`;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
  }
  return reply.type('text/csv; charset=utf-8').send(Readable.from(lines()));
});

app.post(
  '/dossiers',
  { schema: { body: z.object({ callId: z.string().min(1), waveId: z.string().min(1), organisationId: z.string().min(1) }) } },
  async (request, reply) => {
    const now = new Date();
    const created = await Dossier.create({
      _id: randomUUID(),
      ...request.body,
      status: 'draft',
      project: {},
      budget: {},
      history: [{ status: 'draft', at: now, by: 'bench' }],
      createdBy: 'bench',
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    return reply.status(201).send(created.toObject());
  },
);

app.patch('/dossiers/:dossierId/project', { schema: { params, body: projectSection.partial() } }, async (request, reply) => {
  const fields = Object.fromEntries(Object.entries(request.body).map(([field, value]) => [`project.${field}`, value]));
  const result = await Dossier.updateOne({ _id: request.params.dossierId }, { $set: { ...fields, updatedAt: new Date() }, $inc: { version: 1 } });
  if (result.matchedCount === 0) return reply.status(404).type('application/problem+json').send(notFound);
  return { dossierId: request.params.dossierId };
});

app.post('/dossiers/:dossierId/submit', { schema: { params } }, async (request, reply) => {
  const { dossierId } = request.params;
  const submittedAt = new Date();
  const result = await Dossier.updateOne({ _id: dossierId }, { $set: { status: 'submitted', submittedAt, updatedAt: submittedAt }, $inc: { version: 1 } });
  if (result.matchedCount === 0) return reply.status(404).type('application/problem+json').send(notFound);
  const event = { id: randomUUID(), type: 'dossier.submitted', dossierId, submittedAt: submittedAt.toISOString() };
  await producer.send({ topic: env.BASELINE_TOPIC, acks: -1, messages: [{ key: dossierId, value: JSON.stringify(event) }] });
  return { dossierId, submittedAt: event.submittedAt };
});

/** A wave's evaluations read as the product reads them (same filter and projection), sorted by their raw mean: the bare ranked list. */
app.get(
  '/calls/:callId/waves/:waveId/ranking',
  { schema: { params: z.object({ callId: z.string(), waveId: z.string() }), querystring: z.object({ pageSize: z.coerce.number().int().min(1).max(100).default(50) }) } },
  async (request) => {
    const { callId, waveId } = request.params;
    const documents = await Evaluation.find({ callId }).select(RANKING_FIELDS).lean<Array<{ _id: string; number: string; waveId: string; reviews: Array<{ weightedScore: number }> }>>();
    const rows = documents
      .filter((d) => d.waveId === waveId && d.reviews.length > 0)
      .map((d) => ({ dossierId: d._id, number: d.number, score: d.reviews.reduce((sum, r) => sum + r.weightedScore, 0) / d.reviews.length }))
      .sort((a, b) => b.score - a.score);
    return { items: rows.slice(0, request.query.pageSize), total: rows.length };
  },
);

/** The ledger figure's baselines: a raw driver read by `_id` of a document the size of the call's ledger summary, and a route doing nothing. */
const ledgers = connection.collection('ledger_calls');
app.get('/ledger-baseline/:callId', { schema: { params: z.object({ callId: z.string() }) } }, async (request, reply) => {
  const ledger = await ledgers.findOne({ _id: request.params.callId as never });
  return ledger ?? reply.status(404).type('application/problem+json').send(notFound);
});
app.get('/empty', async () => ({}));

const shutdown = async () => {
  await app.close();
  await consumer.disconnect();
  await producer.disconnect();
  await connection.close();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

await app.listen({ host: '127.0.0.1', port: env.PORT });
