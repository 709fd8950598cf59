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
