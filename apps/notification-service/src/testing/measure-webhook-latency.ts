/**
 * Event published → webhook received, measured on the real broker and database:
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 MONGODB_URI=mongodb://127.0.0.1:27017 \
 *     npx tsx apps/notification-service/src/testing/measure-webhook-latency.ts [events=40] [gapMs=250]
 *
 * Starts the notification service in this process with its default SCHEDULER_INTERVAL_MS (5 s)
 * unless the environment sets it, a webhook receiver on 127.0.0.1 and an SMTP catcher; publishes
 * `events` dossier.submitted events `gapMs` apart, as the submission service's relay would; prints
 * the publish → receipt latency (p50, p90, max). What precedes the publish (HTTP submit, outbox
 * relay) is not the notification service's and is left out. Its database is dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { serviceEnvSchema } from '@aap/config';
import { DossierSubmitted, eventTopicName, OrganisationRegistered, type EventData, type EventDefinition } from '@aap/contracts';
import { mintDevelopmentToken } from '@aap/http';
import { newEvent, toKafkaMessage } from '@aap/messaging';
import { createLogger } from '@aap/observability';
import { startService } from '@aap/service-runtime';
import { createNotificationService } from '../service';
import { applicant, dossierSnapshot, submittedData } from './fixtures';
import { startMailCatcher } from './mail-catcher';

const events = Number(process.argv[2] ?? 40);
const gapMs = Number(process.argv[3] ?? 250);
const { KAFKA_BROKERS, MONGODB_URI } = process.env;
if (!KAFKA_BROKERS || !MONGODB_URI) throw new Error('set KAFKA_BROKERS and MONGODB_URI');

const prefix = `lat${randomBytes(3).toString('hex')}`;
const received = new Map<string, number>();
const receiver = createServer((request, response) => {
  const id = String(request.headers['webhook-id']);
  request.resume().on('end', () => {
    if (!received.has(id)) received.set(id, Date.now());
    response.writeHead(200).end('ok');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const mail = await startMailCatcher();

const config = serviceEnvSchema('notification').parse({
  ...process.env,
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'error',
  MONGODB_DB: `${prefix}_notification`,
  KAFKA_TOPIC_PREFIX: prefix,
  AAP_DEV_MODE: 'true',
});
const service = await startService(
  createNotificationService({ SMTP_PORT: mail.port, WEBHOOK_ALLOWED_HOSTS: ['127.0.0.1'] }),
  config,
  { logger: createLogger({ service: 'notification', level: 'error' }) },
);
const kafka = new Kafka({ clientId: `${prefix}-measure`, brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
const publish = async <D extends EventDefinition>(definition: D, data: EventData<D>) => {
  const { envelope } = newEvent(definition.producer, definition, data);
  await producer.send({ topic: eventTopicName(prefix, definition.topic), acks: -1, messages: [toKafkaMessage(envelope)] });
  return envelope;
};

try {
  const organisation = applicant('216901231');
  await publish(OrganisationRegistered, { organisation });
  const token = await mintDevelopmentToken({ sub: 'measure', roles: ['applicant'], org: organisation.organisationId });
  const { port } = receiver.address() as AddressInfo;
  const created = await fetch(`${service.url}/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook`, eventTypes: ['dossier.submitted.v2'] }),
  });
  if (created.status !== 201) throw new Error(`webhook registration: ${created.status} ${await created.text()}`);

  // One event first, not counted: the consumer group's first join is not a delivery's latency.
  const warmUp = await publish(DossierSubmitted, submittedData(dossierSnapshot('dossier-warm', 'AAP-2026-000001', 'call-m', organisation)));
  while (!received.has(warmUp.id)) await new Promise((resolve) => setTimeout(resolve, 50));

  const sent = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    const started = Date.now();
    const envelope = await publish(DossierSubmitted, submittedData(dossierSnapshot(`dossier-${i}`, `AAP-2026-${String(i + 2).padStart(6, '0')}`, 'call-m', organisation)));
    sent.set(envelope.id, started);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  const deadline = Date.now() + 60_000;
  while ([...sent.keys()].some((id) => !received.has(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  // Two hops: the consumer recording the delivery (its createdAt), then the delivery being sent.
  const recorded = new Map(
    (await service.db.collection<{ eventId: string; createdAt: Date }>('deliveries').find({ channel: 'webhook' }).toArray()).map((d) => [d.eventId, new Date(d.createdAt).getTime()]),
  );
  const done = [...sent].filter(([id]) => received.has(id) && recorded.has(id));
  const summary = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    return `p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${Math.round(sorted.at(-1)!)} ms`;
  };
  console.log(`${done.length}/${events} events ${gapMs} ms apart, SCHEDULER_INTERVAL_MS=${config.SCHEDULER_INTERVAL_MS}`);
  console.log(`  published → webhook received:   ${summary(done.map(([id, at]) => received.get(id)! - at))}`);
  console.log(`  published → delivery recorded:  ${summary(done.map(([id, at]) => recorded.get(id)! - at))}`);
  console.log(`  delivery recorded → received:   ${summary(done.map(([id]) => received.get(id)! - recorded.get(id)!))}`);
} finally {
  await producer.disconnect();
  await service.stop();
  await mail.stop();
  receiver.closeAllConnections();
  receiver.close();
  const client = new mongoose.mongo.MongoClient(MONGODB_URI);
  await client.db(`${prefix}_notification`).dropDatabase();
  await client.close();
}
