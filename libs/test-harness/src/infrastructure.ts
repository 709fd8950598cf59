import { existsSync } from 'node:fs';

/**
 * Chooses the real infrastructure the integration tests run on, in this order:
 * 1. KAFKA_BROKERS and MONGODB_URI set: a given Kafka cluster and MongoDB (nothing is started);
 * 2. a Docker engine answers: Kafka (same version as locally) and MongoDB 7 in testcontainers;
 * 3. otherwise: the local Kafka, PostgreSQL and FerretDB processes of @aap/local-infra (provisioned if
 *    needed, on the ports of its AAP_*_PORT variables).
 * Whatever fails to start fails the run: no test is skipped for want of infrastructure.
 * FERRETDB_URI adds a FerretDB for the tests of FerretDB's own behaviour (the document lock), when
 * the run's database is a MongoDB (see stores.ts: each store is asked what it is, never assumed).
 */
export interface TestInfrastructure {
  kind: 'environment' | 'testcontainers' | 'local-processes';
  kafkaBrokers: string;
  mongoUri: string;
  describe: string;
  stop(): Promise<void>;
}

export async function provideInfrastructure(env = process.env): Promise<TestInfrastructure> {
  if (env.KAFKA_BROKERS && env.MONGODB_URI) {
    return {
      kind: 'environment',
      kafkaBrokers: env.KAFKA_BROKERS,
      mongoUri: env.MONGODB_URI,
      describe: `Kafka ${env.KAFKA_BROKERS} and database ${redact(env.MONGODB_URI)} from KAFKA_BROKERS/MONGODB_URI`,
      stop: async () => {},
    };
  }
  if (await dockerEngineAnswers(env)) return startContainers();
  return startLocalProcesses();
}

async function dockerEngineAnswers(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (!env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await withTimeout(getContainerRuntimeClient(), 15_000);
    return true;
  } catch {
    return false;
  }
}

/** The same single-node KRaft settings as infra/kafka and docker-compose.yml, for the apache/kafka image. */
function kafkaContainerEnvironment(advertisedPort: number): Record<string, string> {
  return {
    KAFKA_NODE_ID: '1',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
    KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${advertisedPort}`,
    KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
  };
}

async function startContainers(): Promise<TestInfrastructure> {
  const [{ GenericContainer, Wait }, { MongoDBContainer }, { KAFKA_VERSION, freePort }] = await Promise.all([
    import('testcontainers'),
    import('@testcontainers/mongodb'),
    import('@aap/local-infra'),
  ]);
  // The broker advertises the host port, so it is chosen before the container starts.
  const kafkaPort = await freePort();
  const [kafka, mongo] = await Promise.all([
    new GenericContainer(`apache/kafka:${KAFKA_VERSION}`)
      .withExposedPorts({ container: 9092, host: kafkaPort })
      .withEnvironment(kafkaContainerEnvironment(kafkaPort))
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .withStartupTimeout(120_000)
      .start(),
    new MongoDBContainer('mongo:7').start(),
  ]);
  const kafkaBrokers = `localhost:${kafkaPort}`;
  const mongoUri = `${mongo.getConnectionString()}/?directConnection=true`;
  return {
    kind: 'testcontainers',
    kafkaBrokers,
    mongoUri,
    describe: `testcontainers: apache/kafka:${KAFKA_VERSION} at ${kafkaBrokers}, mongo:7 at ${mongoUri}`,
    stop: async () => {
      await Promise.all([kafka.stop(), mongo.stop()]);
    },
  };
}

async function startLocalProcesses(): Promise<TestInfrastructure> {
  const { upLocalInfra, downLocalInfra, SERVICE_NAMES, KAFKA_VERSION, FERRETDB_VERSION } = await import('@aap/local-infra');
  const infra = await upLocalInfra({ log: (line) => console.log(`[test-harness] ${line}`) });
  const startedNow = SERVICE_NAMES.filter((name) => infra.started[name]);
  return {
    kind: 'local-processes',
    kafkaBrokers: infra.kafkaBrokers,
    mongoUri: infra.mongoUri,
    describe:
      `no Docker engine: local Kafka ${KAFKA_VERSION} (KRaft) at ${infra.kafkaBrokers} and FerretDB ${FERRETDB_VERSION} at ${infra.mongoUri}` +
      (infra.started.ferretdb ? ` on ${infra.backend}` : ' (already running, reused as it is)'),
    // Leave running what a developer had already started (npm run infra -- up); stop what we started.
    stop: async () => {
      if (startedNow.length > 0) await downLocalInfra({ only: [...startedNow], log: () => {} });
    },
  };
}

function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
