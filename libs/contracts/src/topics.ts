import type { ServiceName } from './services';

/**
 * Topic naming convention (one place, used by producers, consumers and the AsyncAPI document):
 *
 *   <prefix>.<producing service>.<aggregate>   events of one aggregate type, key = aggregate id
 *   <prefix>.<consuming service>.dlq           messages a service could not handle, with the reason
 *
 * `prefix` (KAFKA_TOPIC_PREFIX, default `aap`) separates environments sharing a cluster.
 * One topic per aggregate keeps every event of one dossier in one partition, hence in order.
 */
export interface LogicalTopic {
  producer: ServiceName;
  aggregate: string;
  /** Partitions the topic is created with (`TOPIC_PARTITIONS`); none: the deployment's default (KAFKA_TOPIC_PARTITIONS). */
  partitions?: number;
}

/**
 * Partitions of the topics whose load asks more than the default, by `<producer>.<aggregate>`. A
 * partition is read by one member of a group at a time: this bounds how many instances of a consumer
 * share a topic's load (within a partition, a consumer already handles different keys side by side).
 * The dossier topics carry the submissions (20/s sustained) and everything that follows them.
 * Raising a number later does not re-partition an existing topic (`ensureTopics` says so in a warning):
 * that moves keys between partitions, so the operator does it, consumers drained, with kafka-topics.sh --alter.
 */
export const TOPIC_PARTITIONS: Readonly<Record<string, number>> = {
  'submission.dossier': 6,
  'evaluation.dossier': 6,
  'funding-award.award': 6,
};

/** The partitions declared for a logical topic, if any. */
export function partitionsOf(topic: Pick<LogicalTopic, 'producer' | 'aggregate'>): number | undefined {
  return TOPIC_PARTITIONS[`${topic.producer}.${topic.aggregate}`];
}

export function eventTopicName(prefix: string, topic: LogicalTopic): string {
  return `${prefix}.${topic.producer}.${topic.aggregate}`;
}

export function deadLetterTopicName(prefix: string, consumer: ServiceName): string {
  return `${prefix}.${consumer}.dlq`;
}

export function consumerGroupId(prefix: string, consumer: ServiceName): string {
  return `${prefix}.${consumer}`;
}
