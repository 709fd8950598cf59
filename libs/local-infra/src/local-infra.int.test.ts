// Run with: npx vitest run --project integration libs/local-infra/src/local-infra.int.test.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';

// What is tested is @aap/local-infra starting and stopping Kafka, PostgreSQL and FerretDB itself, so
// it does that on its own, whatever KAFKA_BROKERS/MONGODB_URI give the other tests (it never uses
// them): a private runtime home and free ports of its own, so this test never touches an
// infrastructure already running, nor another run of itself. The module reads these at call time; setting them
// before importing it (hence the dynamic import) makes that irrelevant anyway. The provisioned
// binaries come from the shared cache (provisioned on first run if needed).
const { freePort, isPortOpen } = await import('./processes');
const home = mkdtempSync(join(tmpdir(), 'aap-infra-test-'));
const [kafkaPort, controllerPort, postgresPort, ferretdbPort] = await distinctFreePorts(4);
const PORTS = { kafka: kafkaPort!, kafkaController: controllerPort!, postgres: postgresPort!, ferretdb: ferretdbPort! };
process.env.AAP_INFRA_HOME = home;
process.env.AAP_KAFKA_PORT = String(PORTS.kafka);
process.env.AAP_KAFKA_CONTROLLER_PORT = String(PORTS.kafkaController);
process.env.AAP_POSTGRES_PORT = String(PORTS.postgres);
process.env.AAP_FERRETDB_PORT = String(PORTS.ferretdb);
delete process.env.AAP_FERRETDB_BACKEND; // the default: PostgreSQL

const { downLocalInfra, localInfraStatus, upLocalInfra } = await import('./index');
const { POSTGRES_OS_USER } = await import('./unprivileged-user');
const { postgresTarget } = await import('./postgres');
const { pgQuery } = await import('./pg-wire');

const log = (line: string) => console.log(`[infra test] ${line}`);

describe('@aap/local-infra starts its own Kafka, PostgreSQL and FerretDB (without Docker) on free ports of its own, whatever KAFKA_BROKERS/MONGODB_URI say', () => {
  afterAll(async () => {
    await downLocalInfra({ log }); // also when a test failed halfway
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('starts Kafka, PostgreSQL and FerretDB on it, which then answer', async () => {
    const infra = await upLocalInfra({ log });
    expect(infra).toEqual({
      kafkaBrokers: `127.0.0.1:${PORTS.kafka}`,
      mongoUri: `mongodb://127.0.0.1:${PORTS.ferretdb}/`,
      backend: 'postgresql',
      started: { kafka: true, postgres: true, ferretdb: true },
    });

    expect(await roundTripKafkaMessage(infra.kafkaBrokers)).toBe('hello from the infra test');
    expect(await roundTripDocument(infra.mongoUri)).toBe('hello from the infra test');
  }, 180_000);

  it('is a no-op when called again', async () => {
    const infra = await upLocalInfra({ log });
    expect(infra.started).toEqual({ kafka: false, postgres: false, ferretdb: false });
  }, 30_000);

  it("sets PostgreSQL up for FerretDB's equality filters (GIN companions, custom plans; see gin-companions.int.test.ts)", async () => {
    const triggers = await pgQuery(postgresTarget(), "SELECT evtname FROM pg_event_trigger WHERE evtname LIKE 'aap\\_ferretdb\\_%' ORDER BY 1");
    expect(triggers.rows).toEqual([['aap_ferretdb_index_created'], ['aap_ferretdb_index_dropped']]);
    expect((await pgQuery(postgresTarget(), 'SHOW plan_cache_mode')).rows).toEqual([['force_custom_plan']]);
  });

  it('reports the three as running, with the pids it started', async () => {
    const status = await localInfraStatus();
    expect(status.map(({ name, running, address }) => ({ name, running, address }))).toEqual([
      { name: 'kafka', running: true, address: `127.0.0.1:${PORTS.kafka}` },
      { name: 'postgres', running: true, address: `127.0.0.1:${PORTS.postgres}` },
      { name: 'ferretdb', running: true, address: `127.0.0.1:${PORTS.ferretdb}` },
    ]);
    for (const service of status) expect(service.pid).toBeGreaterThan(0);
  }, 30_000);

  it('keeps PostgreSQL data under the infra home, owned by an unprivileged user when run as root', async () => {
    const owner = statSync(join(home, 'postgres', 'data')).uid;
    if (process.getuid?.() === 0) {
      expect(owner).not.toBe(0);
      expect(runningUser(owner)).toBe(POSTGRES_OS_USER);
    } else {
      expect(owner).toBe(process.getuid?.());
    }
  });

  it('stops FerretDB with the PostgreSQL under it when asked to stop FerretDB', async () => {
    await downLocalInfra({ only: ['ferretdb'], log });
    for (const port of [PORTS.ferretdb, PORTS.postgres]) expect(await isPortOpen(port), `port ${port}`).toBe(false);
    expect(await isPortOpen(PORTS.kafka)).toBe(true);
  }, 60_000);

  it('starts them again on the same data, then stops all and frees their ports', async () => {
    const infra = await upLocalInfra({ log });
    expect(infra.started).toEqual({ kafka: false, postgres: true, ferretdb: true });
    expect(await readDocument(infra.mongoUri)).toBe('hello from the infra test');

    await downLocalInfra({ log });
    for (const port of Object.values(PORTS)) expect(await isPortOpen(port), `port ${port}`).toBe(false);
    expect((await localInfraStatus()).map(({ running, pid }) => ({ running, pid }))).toEqual([
      { running: false, pid: undefined },
      { running: false, pid: undefined },
      { running: false, pid: undefined },
    ]);
  }, 90_000);
});

async function roundTripKafkaMessage(brokers: string): Promise<string> {
  const kafka = new Kafka({ clientId: 'infra-test', brokers: [brokers], logLevel: logLevel.NOTHING });
  const topic = `infra-test-${process.pid}`;
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

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function runningUser(uid: number): string {
  return execFileSync('id', ['-nu', String(uid)], { encoding: 'utf8' }).trim();
}

async function readDocument(uri: string): Promise<string> {
  const connection = await mongoose.createConnection(uri, { dbName: 'infra_test' }).asPromise();
  try {
    const note = await connection.db!.collection('notes').findOne();
    return String(note?.text ?? '');
  } finally {
    await connection.close();
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
