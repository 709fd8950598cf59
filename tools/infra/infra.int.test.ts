// Run with: npx vitest run tools/infra/infra.int.test.ts (the `integration` project of vitest.config.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';

// A private runtime home and ports of its own, so this test never touches an infrastructure
// already running on the default ports. The module reads these at call time; setting them
// before importing it (hence the dynamic import) makes that irrelevant anyway. The provisioned
// binaries come from the shared cache (provisioned on first run if needed).
const home = mkdtempSync(join(tmpdir(), 'aap-infra-test-'));
const PORTS = { kafka: 19092, kafkaController: 19093, ferretdb: 27018 };
process.env.AAP_INFRA_HOME = home;
process.env.AAP_KAFKA_PORT = String(PORTS.kafka);
process.env.AAP_KAFKA_CONTROLLER_PORT = String(PORTS.kafkaController);
process.env.AAP_FERRETDB_PORT = String(PORTS.ferretdb);

const { downLocalInfra, localInfraStatus, upLocalInfra } = await import('./index');
const { isPortOpen } = await import('./processes');

const log = (line: string) => console.log(`[infra test] ${line}`);

describe('local infrastructure (Kafka + FerretDB without Docker)', () => {
  afterAll(async () => {
    await downLocalInfra({ log }); // also when a test failed halfway
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('starts Kafka and FerretDB, which then answer', async () => {
    const infra = await upLocalInfra({ log });
    expect(infra).toEqual({
      kafkaBrokers: `127.0.0.1:${PORTS.kafka}`,
      mongoUri: `mongodb://127.0.0.1:${PORTS.ferretdb}/`,
      started: { kafka: true, ferretdb: true },
    });

    expect(await roundTripKafkaMessage(infra.kafkaBrokers)).toBe('hello from the infra test');
    expect(await roundTripDocument(infra.mongoUri)).toBe('hello from the infra test');
  }, 180_000);

  it('is a no-op when called again', async () => {
    const infra = await upLocalInfra({ log });
    expect(infra.started).toEqual({ kafka: false, ferretdb: false });
  }, 30_000);

  it('reports both as running, with the pids it started', async () => {
    const status = await localInfraStatus();
    expect(status.map(({ name, running, address }) => ({ name, running, address }))).toEqual([
      { name: 'kafka', running: true, address: `127.0.0.1:${PORTS.kafka}` },
      { name: 'ferretdb', running: true, address: `127.0.0.1:${PORTS.ferretdb}` },
    ]);
    for (const service of status) expect(service.pid).toBeGreaterThan(0);
  }, 30_000);

  it('stops both and frees their ports', async () => {
    await downLocalInfra({ log });
    for (const port of Object.values(PORTS)) expect(await isPortOpen(port), `port ${port}`).toBe(false);
    expect((await localInfraStatus()).map(({ running, pid }) => ({ running, pid }))).toEqual([
      { running: false, pid: undefined },
      { running: false, pid: undefined },
    ]);
  }, 60_000);
});

async function roundTripKafkaMessage(brokers: string): Promise<string> {
  const kafka = new Kafka({ clientId: 'infra-test', brokers: [brokers], logLevel: logLevel.NOTHING });
  const topic = `infra-test-${Date.now()}`;
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'hello from the infra test' }] });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    return await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
    });
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
  }
}

async function roundTripDocument(uri: string): Promise<string> {
  const connection = await mongoose.createConnection(uri, { dbName: 'infra_test' }).asPromise();
  try {
    const Note = connection.model('Note', new mongoose.Schema({ text: String }));
    await Note.create({ text: 'hello from the infra test' });
    return (await Note.findOne().lean())?.text ?? '';
  } finally {
    await connection.close();
  }
}
