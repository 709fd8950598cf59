import { setTimeout as sleep } from 'node:timers/promises';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import {
  consumerGroupId,
  deadLetterTopicName,
  eventTopicName,
  type EventCatalogue,
  type EventData,
  type EventDefinition,
  type EventEnvelope,
  type ServiceName,
} from '@aap/contracts';
import { inSpan, restoreTraceContext, SpanKind, type Logger } from '@aap/observability';
import { fromKafkaMessage, MalformedEventError, traceHeadersOf } from './cloudevents';

export interface HandlerContext {
  logger: Logger;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Handles one event. It may run more than once for the same event (a crash after the effect but
 * before the event is recorded as handled), so its write must be idempotent: an upsert keyed by the
 * event or aggregate id, or an update guarded on the state it changes.
 */
export type EventHandler<D extends EventDefinition = EventDefinition> = (
  event: EventEnvelope<EventData<D>>,
  context: HandlerContext,
) => Promise<void>;

/** Thrown by a handler for a failure no retry can fix: the message goes to the dead-letter topic at once. */
export class PermanentHandlerError extends Error {
  override name = 'PermanentHandlerError';
}

export type DeadLetterReason = 'malformed-envelope' | 'schema-validation' | 'handler-failed';

interface ProcessedEvent {
  _id: string;
  type: string;
  topic: string;
  partition: number;
  offset: string;
  handledAt: Date;
}

/** The inbox: ids of the events this service has already handled (one collection per service database). */
export function processedEventModel(connection: Connection): Model<ProcessedEvent> {
  return (
    (connection.models.ProcessedEvent as Model<ProcessedEvent> | undefined) ??
    connection.model<ProcessedEvent>(
      'ProcessedEvent',
      new Schema<ProcessedEvent>(
        {
          _id: { type: String, required: true },
          type: String,
          topic: String,
          partition: Number,
          offset: String,
          handledAt: Date,
        },
        { collection: 'processed_events', versionKey: false },
      ),
    )
  );
}

export interface EventConsumerOptions {
  kafka: Kafka;
  /** Used to publish dead letters (the service's idempotent producer). */
  producer: Producer;
  service: ServiceName;
  catalogue: EventCatalogue;
  topicPrefix: string;
  connection: Connection;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
}

/**
 * A consumer group per service. For each message: decode the CloudEvents envelope, validate the data
 * against the catalogue schema, skip it if already handled, run the handler with retries and
 * backoff, and record it as handled. Messages that cannot be decoded or validated go to the
 * service's dead-letter topic at once; handler failures after `maxAttempts`. The offset always
 * moves on, so no message blocks its partition.
 */
export class EventConsumer {
  /** Handlers of each event type, in registration order. */
  private readonly handlers = new Map<string, EventHandler<any>[]>();
  private readonly inbox: Model<ProcessedEvent>;
  private consumer: Consumer | undefined;
  readonly deadLetterTopic: string;

  constructor(private readonly options: EventConsumerOptions) {
    this.inbox = processedEventModel(options.connection);
    this.deadLetterTopic = deadLetterTopicName(options.topicPrefix, options.service);
  }

  /**
   * Adds a handler for one event type. Several may be registered for a type: they run one after the
   * other in registration order, and the event is recorded as handled once every one succeeded.
   * Each must be idempotent on its own (a retry or redelivery runs the ones that already succeeded again).
   */
  on<D extends EventDefinition>(definition: D, handler: EventHandler<D>): this {
    const handlers = this.handlers.get(definition.type) ?? [];
    handlers.push(handler);
    this.handlers.set(definition.type, handlers);
    return this;
  }

  /** Physical topics this consumer reads, derived from the event types it handles. */
  topics(): string[] {
    const topics = new Set<string>();
    for (const type of this.handlers.keys()) {
      topics.add(eventTopicName(this.options.topicPrefix, this.options.catalogue.get(type)!.topic));
    }
    return [...topics];
  }

  async start(): Promise<void> {
    if (this.handlers.size === 0) return;
    for (const type of this.handlers.keys()) {
      if (!this.options.catalogue.get(type)) throw new Error(`${type} is not in the event catalogue`);
    }
    this.consumer = this.options.kafka.consumer({
      groupId: consumerGroupId(this.options.topicPrefix, this.options.service),
      allowAutoTopicCreation: false,
      sessionTimeout: 15_000,
      heartbeatInterval: 1_000,
    });
    await this.consumer.connect();
    // From the beginning for a new group: events published before the first deployment are not lost.
    await this.consumer.subscribe({ topics: this.topics(), fromBeginning: true });
    await this.consumer.run({ eachMessage: (payload) => this.handleMessage(payload) });
  }

  /** Graceful: kafkajs finishes the message in progress and commits before leaving the group. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async handleMessage({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const position = { topic, partition, offset: message.offset };
    let envelope: EventEnvelope;
    try {
      envelope = fromKafkaMessage(message);
    } catch (error) {
      if (!(error instanceof MalformedEventError)) throw error;
      return this.deadLetter(message, position, 'malformed-envelope', error.message, 1);
    }

    const handlers = this.handlers.get(envelope.type);
    if (!handlers) return; // another consumer's event on a shared topic
    const definition = this.options.catalogue.get(envelope.type)!;
    const parsed = definition.schema.safeParse(envelope.data);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ');
      return this.deadLetter(message, position, 'schema-validation', detail, 1);
    }
    const event = { ...envelope, data: parsed.data };

    if (await this.inbox.exists({ _id: envelope.id })) {
      this.options.logger.debug({ eventId: envelope.id, type: envelope.type }, 'event already handled, skipped');
      return;
    }

    const logger = this.options.logger.child({ eventId: event.id, eventType: event.type, correlationId: event.correlationid });
    await inSpan(
      `${topic} process`,
      {
        kind: SpanKind.CONSUMER,
        parent: restoreTraceContext(traceHeadersOf(message.headers)),
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.consumer.group.name': consumerGroupId(this.options.topicPrefix, this.options.service),
          'messaging.message.id': event.id,
          'messaging.kafka.offset': Number(message.offset),
          'cloudevents.event_type': event.type,
        },
      },
      async () => {
        const failure = await this.runWithRetries(handlers, event, { logger, ...position });
        if (failure) {
          await this.deadLetter(message, position, 'handler-failed', failure.error.message, failure.attempts);
          return;
        }
        await this.markHandled(event, position);
      },
    );
  }

  /** Runs the handlers in order; a retry resumes at the handler that failed. */
  private async runWithRetries(
    handlers: EventHandler<any>[],
    event: EventEnvelope,
    context: HandlerContext,
  ): Promise<{ error: Error; attempts: number } | undefined> {
    let next = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        for (; next < handlers.length; next++) await handlers[next]!(event, context);
        return undefined;
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        const permanent = error instanceof PermanentHandlerError;
        if (permanent || attempt >= this.options.maxAttempts) return { error, attempts: attempt };
        const delay = Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), 30_000);
        context.logger.warn({ err: error, attempt, retryInMs: delay }, 'event handler failed, retrying');
        await sleep(delay);
      }
    }
  }

  private async markHandled(event: EventEnvelope, position: { topic: string; partition: number; offset: string }) {
    try {
      await this.inbox.create({ _id: event.id, type: event.type, ...position, handledAt: new Date() });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error; // handled concurrently elsewhere: fine
    }
  }

  private async deadLetter(
    message: EachMessagePayload['message'],
    position: { topic: string; partition: number; offset: string },
    reason: DeadLetterReason,
    detail: string,
    attempts: number,
  ): Promise<void> {
    this.options.logger.error({ ...position, reason, detail, attempts }, 'message sent to the dead-letter topic');
    await this.options.producer.send({
      topic: this.deadLetterTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            dlq_reason: reason,
            dlq_error: detail.slice(0, 4000),
            dlq_attempts: String(attempts),
            dlq_original_topic: position.topic,
            dlq_original_partition: String(position.partition),
            dlq_original_offset: position.offset,
            dlq_consumer: this.options.service,
            dlq_failed_at: new Date().toISOString(),
          },
        },
      ],
    });
  }
}
