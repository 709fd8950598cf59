import { eventTopicName, type EventData, type EventDefinition, type EventEnvelope } from '@aap/contracts';
import { newEvent, toKafkaMessage } from '@aap/messaging';
import type { TestEnvironment } from './test-env';

/**
 * Publishes events on the real broker as their producing service would (CloudEvents binary mode,
 * key = aggregate id), with a chosen event time when a test needs a precise order.
 */
export async function eventPublisher(env: TestEnvironment) {
  const producer = env.kafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const send = async (envelope: EventEnvelope, definition: EventDefinition) => {
    await producer.send({ topic: eventTopicName(env.prefix, definition.topic), acks: -1, messages: [toKafkaMessage(envelope)] });
  };
  return {
    async publish<D extends EventDefinition>(definition: D, data: EventData<D>, options: { time?: string } = {}): Promise<EventEnvelope<EventData<D>>> {
      const { envelope } = newEvent(definition.producer, definition, data);
      if (options.time) envelope.time = new Date(options.time).toISOString();
      await send(envelope, definition);
      return envelope as EventEnvelope<EventData<D>>;
    },
    /** The same event again (same id): what Kafka does after a consumer crash or a rebalance. */
    redeliver: (envelope: EventEnvelope, definition: EventDefinition) => send(envelope, definition),
    disconnect: () => producer.disconnect(),
  };
}
