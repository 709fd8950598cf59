import { randomBytes } from 'node:crypto';
import { inject, afterAll } from 'vitest';
import mongoose from 'mongoose';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { serviceEnvSchema, type ServiceEnv } from '@aap/config';
import type { ServiceName } from '@aap/contracts';
import { startService, type RunningService, type ServiceModule, type StartServiceOptions } from '@aap/service-runtime';
import { createLogger } from '@aap/observability';
import { mintDevelopmentToken, type Role } from '@aap/http';
import { waitFor } from './wait-for';

/**
 * The isolation unit of the integration tests: one per test file. Its own topic/consumer-group
 * prefix and its own databases on the shared broker and server, dropped at the end of the file.
 */
export interface TestEnvironment {
  kafkaBrokers: string;
  mongoUri: string;
  prefix: string;
  /** A service configuration for this environment: own database, own topics, port chosen by the OS. */
  configFor(service: ServiceName, overrides?: Partial<Record<keyof ServiceEnv, string>>): ServiceEnv;
  /** The same configuration as environment variables, for a service run as a child process. */
  envFor(service: ServiceName, overrides?: Record<string, string>): Record<string, string>;
  /** Starts a service in this process (on `options.clock`, e.g. a `movableClock()`, when given); stopped at the end of the file. */
  startService(module: ServiceModule, overrides?: Partial<Record<keyof ServiceEnv, string>>, options?: Pick<StartServiceOptions, 'clock'>): Promise<RunningService>;
  kafka(): Kafka;
  /** Raw access to a service's database (to check what was, or was not, written). */
  database(service: ServiceName): mongoose.mongo.Db;
}

export function useTestEnvironment(): TestEnvironment {
  const kafkaBrokers = inject('kafkaBrokers');
  const mongoUri = inject('mongoUri');
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const running: RunningService[] = [];
  const client = new mongoose.mongo.MongoClient(mongoUri);

  const variables = (service: ServiceName, overrides: Record<string, string> = {}): Record<string, string> => ({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    MONGODB_URI: mongoUri,
    MONGODB_DB: `${prefix}_${service.replace('-', '_')}`,
    KAFKA_BROKERS: kafkaBrokers,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: '2',
    CONSUMER_RETRY_BASE_MS: '50',
    OUTBOX_POLL_MS: '100',
    SCHEDULER_INTERVAL_MS: '200',
    // Tests sign their tokens with the published development secret (mintDevelopmentToken).
    AAP_DEV_MODE: 'true',
    ...overrides,
  });

  const environment: TestEnvironment = {
    kafkaBrokers,
    mongoUri,
    prefix,
    configFor: (service, overrides) => serviceEnvSchema(service).parse(variables(service, overrides as Record<string, string>)),
    envFor: variables,
    async startService(module, overrides, options = {}) {
      const config = environment.configFor(module.name, overrides);
      const service = await startService(module, config, { ...options, logger: createLogger({ service: module.name, level: config.LOG_LEVEL }) });
      running.push(service);
      return service;
    },
    kafka: () => new Kafka({ clientId: `${prefix}-test`, brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING }),
    database: (service) => client.db(`${prefix}_${service.replace('-', '_')}`),
  };

  afterAll(async () => {
    await Promise.allSettled(running.map((service) => service.stop()));
    const databases = (await client.db().admin().listDatabases()).databases.filter((db) => db.name.startsWith(`${prefix}_`));
    await Promise.allSettled(databases.map((db) => client.db(db.name).dropDatabase()));
    await client.close();
  });

  return environment;
}

export interface ReadMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Every message on a topic once it holds at least `atLeast` of them: its end offsets are read then,
 * and a throw-away consumer group reads from the beginning up to them. What comes later is not
 * included; a test that must show nothing more came drives the system to a known point first (a
 * later marker handled, an outbox emptied, a group's committed offset) and reads after it.
 * (`timeoutMs` is the old name of `deadlineMs`; `settleMs` is ignored: there is no settling sleep.)
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  options: { atLeast?: number; deadlineMs?: number; timeoutMs?: number; settleMs?: number } = {},
): Promise<ReadMessage[]> {
  const { atLeast = 1 } = options;
  const deadlineMs = options.deadlineMs ?? options.timeoutMs ?? 20_000;
  const ends = await endOffsetsOnceHolding(kafka, topic, atLeast, deadlineMs);
  const pending = new Map([...ends].filter(([, end]) => end > 0n));
  if (pending.size === 0) return [];
  const messages: ReadMessage[] = [];
  const consumer = kafka.consumer({ groupId: `reader-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const end = ends.get(partition);
        if (end === undefined || BigInt(message.offset) >= end) return; // arrived after the end offsets were read
        messages.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: decodeHeaders(message.headers),
          partition,
          offset: message.offset,
        });
        if (BigInt(message.offset) + 1n >= end) pending.delete(partition);
      },
    });
    await waitFor(() => pending.size === 0, { deadlineMs, what: `${topic} read up to its end offsets` });
    return messages.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  } finally {
    await consumer.disconnect();
  }
}

/** The end offset of each partition, once their sum (topics here are neither compacted nor transactional: the message count) reaches `atLeast`. */
async function endOffsetsOnceHolding(kafka: Kafka, topic: string, atLeast: number, deadlineMs: number): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await waitFor(
      async () => {
        if (!(await admin.listTopics()).includes(topic)) {
          if (atLeast <= 0) return new Map<number, bigint>();
          throw new Error(`${topic} does not exist yet`);
        }
        const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)] as const));
        const count = [...ends.values()].reduce((sum, end) => sum + end, 0n);
        if (count < BigInt(atLeast)) throw new Error(`${topic} holds ${count} message(s)`);
        return ends;
      },
      { deadlineMs, what: `at least ${atLeast} message(s) on ${topic}` },
    );
  } finally {
    await admin.disconnect();
  }
}

export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name, (Array.isArray(value) ? value[0] : value)!.toString()]])),
  );
}

/** Authorization + JSON headers for a development token with these claims. */
export async function authHeaders(claims: { sub?: string; roles: Role[]; org?: string }): Promise<Record<string, string>> {
  const token = await mintDevelopmentToken({ sub: claims.sub ?? `test-${claims.roles.join('-')}`, roles: claims.roles, org: claims.org });
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}
