/**
 * The bare baseline of the HTTP figures: fastify + zod + mongoose doing the same reads and writes
 * as the submission service, on a copy of its dossiers (same document shape and indexes, same
 * database server), and kafkajs for the submit's event and the pipeline's consumer. Nothing else:
 * no authentication, outbox, rules, tracing or logging. What the product costs beyond this is what
 * its own machinery costs.
 *
 * Environment: PORT, MONGODB_URI, MONGODB_DB, KAFKA_BROKERS, BASELINE_TOPIC (submit events; its
 * consumer stores one inbox document per event, the baseline of "notification stored").
 */
import { randomUUID } from 'node:crypto';
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
    const event = JSON.parse(message.value!.toString()) as { id: string; dossierId: string };
    await inbox.insertOne({ _id: event.id as never, dossierId: event.dossierId, eventType: 'dossier.submitted', createdAt: new Date() }).catch((error) => {
      if ((error as { code?: number }).code !== 11000) throw error;
    });
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

app.get(
  '/dossiers',
  {
    schema: {
      querystring: z.object({
        callId: z.string().optional(),
        status: z.string().optional(),
        page: z.coerce.number().int().min(1).default(1),
        pageSize: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
  },
  async (request) => {
    const { page, pageSize, ...filters } = request.query;
    const filter = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
    const [items, total] = await Promise.all([
      Dossier.find(filter).sort({ updatedAt: -1 }).skip((page - 1) * pageSize).limit(pageSize).lean(),
      Dossier.countDocuments(filter),
    ]);
    return { items, page, pageSize, total };
  },
);

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
