import { Kafka, logLevel, Partitioners, type Producer, type Admin, type LogEntry, type SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '@aap/observability';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs messages that are expected and handled, logged at debug instead of warn/error:
 * - the group/transaction coordinator is still loading right after a broker starts (kafkajs retries);
 * - "Topic creation errors" when several services create the same topics at once: ensureTopics
 *   handles TOPIC_ALREADY_EXISTS and rethrows anything else, which then fails the start-up loudly;
 * - the idempotent producer's retries are bounded on purpose: an unsent outbox event stays in the
 *   outbox and is sent again at the next relay cycle, and consumers deduplicate on the event id.
 */
function isExpectedNoise(message: string, error: unknown): boolean {
  return (
    /coordinator is (loading|not available)|Topic creation errors/i.test(String(error)) ||
    message.startsWith('Limiting retries for the idempotent producer')
  );
}

/**
 * kafkajs client whose logs go through the service's pino logger (kafkajs' own chatter at warn and
 * above). `ssl` and `sasl` come from the KAFKA_SSL and KAFKA_SASL settings (`kafkaSecurityOf`).
 */
export function createKafka(options: {
  clientId: string;
  brokers: string[];
  logger: Logger;
  ssl?: ConnectionOptions | true;
  sasl?: SASLOptions;
}): Kafka {
  const kafkaLogger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...(options.ssl ? { ssl: options.ssl } : {}),
    ...(options.sasl ? { sasl: options.sasl } : {}),
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...rest } = log;
        kafkaLogger[isExpectedNoise(message, rest.error) ? 'debug' : (levels[level] ?? 'info')](rest, message);
      },
  });
}

/** Idempotent producer: the broker drops retried duplicates, and keys keep per-aggregate order. */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** A topic to ensure: its name, and its partitions when not the default. */
export type TopicToEnsure = string | { topic: string; partitions: number };

/** An existing topic with fewer partitions than asked: left as it is (see `ensureTopics`). */
export interface UnderPartitionedTopic {
  topic: string;
  partitions: number;
  wanted: number;
}

/**
 * Creates missing topics, each with its own partitions (`options.partitions` for a bare name), and
 * waits until every partition has a leader. Several services start at once and create the same topics:
 * "already exists" is fine, and metadata may briefly say "unknown topic" while the controller
 * propagates it, so we poll.
 *
 * An existing topic is left as it is, also when it has fewer partitions than asked: adding partitions
 * moves keys to other partitions (a key's later events could be read before its earlier ones), so it
 * is never done behind the operator's back. Those topics are returned for the caller to warn about.
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly TopicToEnsure[],
  options: { partitions: number; replicationFactor: number; timeoutMs?: number },
): Promise<UnderPartitionedTopic[]> {
  const partitionsWanted = new Map<string, number>();
  for (const entry of topics) {
    const [topic, partitions] = typeof entry === 'string' ? [entry, options.partitions] : [entry.topic, entry.partitions];
    partitionsWanted.set(topic, Math.max(partitions, partitionsWanted.get(topic) ?? 0));
  }
  const wanted = [...partitionsWanted.keys()];
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({ topic, numPartitions: partitionsWanted.get(topic)!, replicationFactor: options.replicationFactor })),
      });
    } catch (error) {
      // Another instance created them between listTopics and createTopics.
      if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: wanted });
      if (metadata.length === wanted.length && metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) {
        return metadata
          .filter((t) => t.partitions.length < partitionsWanted.get(t.name)!)
          .map((t) => ({ topic: t.name, partitions: t.partitions.length, wanted: partitionsWanted.get(t.name)! }));
      }
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leader after ${options.timeoutMs ?? 30_000} ms: ${wanted.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The warning an under-partitioned topic deserves (`ensureTopics` leaves it as it is). */
export function warnUnderPartitioned(logger: Logger, topics: readonly UnderPartitionedTopic[]): void {
  for (const topic of topics) {
    logger.warn(
      topic,
      'topic has fewer partitions than the catalogue declares: left as it is (adding partitions moves keys between them); an operator adds them with kafka-topics.sh --alter once its consumers are drained',
    );
  }
}

export type { Kafka, Producer, Admin } from 'kafkajs';
