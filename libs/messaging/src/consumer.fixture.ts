import mongoose from 'mongoose';
import { catalogue, deadLetterTopicName, type ServiceName } from '@aap/contracts';
import type { ServiceEnv } from '@aap/config';
import { createLogger } from '@aap/observability';
import type { TestEnvironment } from '@aap/test-harness';
import { createIdempotentProducer, createKafka, ensureTopics, type Producer } from './kafka-client';
import { EventConsumer } from './event-consumer';

export interface StandaloneConsumer {
  consumer: EventConsumer;
  connection: mongoose.Connection;
  /** The idempotent producer the consumer sends its dead letters with; tests publish with it too. */
  producer: Producer;
  stop(): Promise<void>;
}

/**
 * An EventConsumer alone (no HTTP, no relay) on the test environment's broker and database, with
 * the service's settings and `overrides`; `topics` are created first with `partitions` partitions.
 */
export function startStandaloneConsumer(
  env: TestEnvironment,
  options: StandaloneConsumerOptions & { overrides?: Partial<Record<keyof ServiceEnv, string>> },
): Promise<StandaloneConsumer> {
  return startConsumerWith(env.configFor(options.service, options.overrides), options);
}

export interface StandaloneConsumerOptions {
  service: ServiceName;
  topics: string[];
  partitions?: number;
  register(consumer: EventConsumer): void;
}

/** The same from a service's configuration (a consumer run in a child process reads it from its environment). */
export async function startConsumerWith(config: ServiceEnv, options: StandaloneConsumerOptions): Promise<StandaloneConsumer> {
  const logger = createLogger({ service: options.service, level: config.LOG_LEVEL });
  const connection = await mongoose.createConnection(config.MONGODB_URI, { dbName: config.MONGODB_DB }).asPromise();
  const kafka = createKafka({ clientId: `${options.service}-standalone`, brokers: config.KAFKA_BROKERS, logger });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [...options.topics, deadLetterTopicName(config.KAFKA_TOPIC_PREFIX, options.service)], {
    partitions: options.partitions ?? 1,
    replicationFactor: -1,
  });
  await admin.disconnect();
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const consumer = new EventConsumer({
    kafka,
    producer,
    service: options.service,
    catalogue,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    connection,
    logger,
    maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
    retryBaseMs: config.CONSUMER_RETRY_BASE_MS,
    inlineAttempts: config.CONSUMER_INLINE_ATTEMPTS,
    handlerTimeoutMs: config.CONSUMER_HANDLER_TIMEOUT_MS,
    retryMaxMs: config.CONSUMER_RETRY_MAX_MS,
    partitionsConcurrently: config.CONSUMER_PARTITIONS_CONCURRENTLY,
    maxMessageBytes: config.KAFKA_MAX_MESSAGE_BYTES,
  });
  options.register(consumer);
  await consumer.start();
  return {
    consumer,
    connection,
    producer,
    async stop() {
      await consumer.stop();
      await producer.disconnect();
      await connection.close();
    },
  };
}
