import { isDuplicateKey } from './duplicate-key';
import { setTimeout as sleep } from 'node:timers/promises';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import {
  consumerGroupId,
  deadLetterTopicName,
  eventTopicName,
  sourceOf,
  type EventCatalogue,
  type EventData,
  type EventDefinition,
  type EventEnvelope,
  type ServiceName,
} from '@aap/contracts';
import { inSpan, restoreTraceContext, SpanKind, type Logger } from '@aap/observability';
import { fromKafkaMessage, headerString, MalformedEventError, traceHeadersOf } from './cloudevents';
import { publishDeadLetter, type DeadLetterReason } from './dead-letters';
import { ParkingLot, retryDelay, type ParkedEvent } from './parked-events';
import { connectionModel } from './connection-model';

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

export type { DeadLetterReason } from './dead-letters';

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
  return connectionModel(connection, 'ProcessedEvent', () =>
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
  /** Attempts in all (in line, then in the background) before a dead letter. */
  maxAttempts: number;
  retryBaseMs: number;
  /** Attempts made in line before the event is parked (default 2). */
  inlineAttempts?: number;
  /** An in-line attempt running longer than this counts as failed and the event is parked (default 5 s). */
  handlerTimeoutMs?: number;
  /** Ceiling of the backoff between background retries (default 60 s). */
  retryMaxMs?: number;
  /** Partitions worked on at once; within a partition, one message at a time (default 3). */
  partitionsConcurrently?: number;
  /** Largest dead letter sent whole (default 1 000 000 bytes); a larger one is truncated. */
  maxMessageBytes?: number;
}

type Position = { topic: string; partition: number; offset: string };
type Admitted = { event: EventEnvelope; handlers: EventHandler<any>[] };
type Refused = { reason: DeadLetterReason; detail: string };

class HandlerTimeoutError extends Error {
  override name = 'HandlerTimeoutError';
}

/**
 * A consumer group per service. For each message: decode the CloudEvents envelope; admit it only if
 * its type is in the catalogue, it came on that type's topic and from that type's producer
 * (`ce_source`); validate the data against the catalogue schema, reading a superseded version as the
 * current one (`EventCatalogue.read`: the handlers and the envelope's `type` see only the current
 * version); skip it if already handled (a lookup by `_id` in `processed_events`); run the handlers,
 * and record it as handled.
 *
 * Nothing holds a partition: a refused or invalid message goes to the dead-letter topic at once; a
 * failing handler gets a short in-line retry, then the event is parked (`parked_events`) with every
 * later event of its key, the offset moves on, and parked events are retried in the background with
 * backoff, in order, until handled or dead-lettered after `maxAttempts`. While a message is being
 * handled, heartbeats keep the group membership; offsets are committed every second.
 */
export class EventConsumer {
  /** Handlers of each event type, in registration order. */
  private readonly handlers = new Map<string, EventHandler<any>[]>();
  private readonly inbox: Model<ProcessedEvent>;
  private readonly parking: ParkingLot;
  private consumer: Consumer | undefined;
  readonly deadLetterTopic: string;
  /** Times this consumer (re)joined its group: more than once means a rebalance happened. */
  groupJoins = 0;

  constructor(private readonly options: EventConsumerOptions) {
    this.inbox = processedEventModel(options.connection);
    this.deadLetterTopic = deadLetterTopicName(options.topicPrefix, options.service);
    this.parking = new ParkingLot({
      connection: options.connection,
      logger: options.logger,
      maxAttempts: options.maxAttempts,
      retryBaseMs: options.retryBaseMs,
      retryMaxMs: options.retryMaxMs ?? 60_000,
      attempt: (parked) => this.retryParked(parked),
      isPermanent: (error) => error instanceof PermanentHandlerError,
      deadLetter: (parked, error, attempts) =>
        this.deadLetter(
          { key: parked.key, value: parked.value, headers: parked.headers },
          { topic: parked.topic, partition: parked.partition, offset: parked.offset },
          { reason: 'handler-failed', detail: error.message },
          attempts,
        ),
    });
  }

  /**
   * Adds a handler for one event type. Several may be registered for a type: they run one after the
   * other in registration order, and the event is recorded as handled once every one succeeded.
   * Each must be idempotent on its own (a retry or redelivery runs the ones that already succeeded again).
   */
  on<D extends EventDefinition>(definition: D, handler: EventHandler<D>): this {
    if (definition.supersededBy) throw new Error(`${definition.type} is read as ${definition.supersededBy.definition.type}: handle that version`);
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
    await this.inbox.createIndexes();
    await this.parking.start();
    const heartbeatInterval = 1_000;
    this.consumer = this.options.kafka.consumer({
      groupId: consumerGroupId(this.options.topicPrefix, this.options.service),
      allowAutoTopicCreation: false,
      sessionTimeout: 15_000,
      heartbeatInterval,
      // A fetch still returns as soon as a message arrives; the shorter wait only bounds how long a
      // graceful stop waits for the fetch in flight (5 s with kafkajs' default).
      maxWaitTimeInMs: 1_000,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.groupJoins++;
      this.options.logger.info({ memberAssignment: payload.memberAssignment, joins: this.groupJoins }, 'consumer joined its group');
      // Partitions may have come from another instance: the keys it parked must hold their later events here.
      this.parking.refresh().catch((error: unknown) => this.options.logger.error({ err: error }, 'reading the parked keys after a rebalance failed'));
    });
    await this.consumer.connect();
    // From the beginning for a new group: events published before the first deployment are not lost.
    await this.consumer.subscribe({ topics: this.topics(), fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 3,
      eachBatchAutoResolve: false,
      autoCommitInterval: 1_000,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          // A slow handler must not cost the group membership: heartbeats go on while it works.
          const keepAlive = setInterval(() => heartbeat().catch(() => undefined), heartbeatInterval);
          try {
            await this.handleMessage({ topic: batch.topic, partition: batch.partition, offset: message.offset }, message);
          } finally {
            clearInterval(keepAlive);
          }
          resolveOffset(message.offset);
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      },
    });
  }

  /** Graceful: finishes the message in progress, commits, leaves the group, then stops the retries. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
    await this.parking.stop();
  }

  /** Decodes a message and checks it may be handled here: catalogue type, its topic, its producer, its schema. */
  private admit(topic: string, message: { headers?: IHeaders; value: Buffer | null }): Admitted | Refused | undefined {
    let envelope: EventEnvelope;
    try {
      envelope = fromKafkaMessage(message);
    } catch (error) {
      if (!(error instanceof MalformedEventError)) throw error;
      return { reason: 'malformed-envelope', detail: error.message };
    }
    const definition = this.options.catalogue.get(envelope.type);
    if (!definition) return { reason: 'unknown-type', detail: `${envelope.type} is not in the event catalogue` };
    // A superseded version is handled by the handlers of the version it is read as.
    const handlers = this.handlers.get(this.options.catalogue.current(envelope.type)!.type);
    if (!handlers) return undefined; // another consumer's event on a shared topic
    const expectedTopic = eventTopicName(this.options.topicPrefix, definition.topic);
    if (topic !== expectedTopic) return { reason: 'wrong-topic', detail: `${envelope.type} is published on ${expectedTopic}, not ${topic}` };
    const expectedSource = sourceOf(definition.producer);
    if (envelope.source !== expectedSource) {
      return { reason: 'untrusted-source', detail: `${envelope.type} comes from ${expectedSource}, not ${envelope.source}` };
    }
    // Validated, and upcast to the current version of its event: handlers see one shape per event.
    const read = this.options.catalogue.read(envelope.type, envelope.data)!;
    if ('error' in read) return { reason: 'schema-validation', detail: read.error };
    return { event: { ...envelope, type: read.definition.type, data: read.data }, handlers };
  }

  private async handleMessage(position: Position, message: KafkaMessage): Promise<void> {
    const admitted = this.admit(position.topic, message);
    if (!admitted) return;
    if ('reason' in admitted) return this.deadLetter(message, position, admitted, 1);
    const { event, handlers } = admitted;
    if (await this.alreadyHandled(event)) return;

    const parked = {
      _id: event.id,
      parkKey: `${position.topic}|${message.key?.toString() ?? ''}`,
      order: Number(position.offset),
      ...position,
      key: message.key?.toString() ?? null,
      value: message.value!.toString('utf8'),
      headers: stringHeaders(message.headers),
    };
    // A later event of a key whose earlier event is parked waits behind it: per-key order holds.
    if (await this.parking.queueIfParked(parked)) return;

    await this.inSpan(event, position, message.headers, async (logger) => {
      const failure = await this.runInline(handlers, event, { logger, ...position });
      if (!failure) return this.markHandled(event, position);
      const permanent = failure.error instanceof PermanentHandlerError;
      if (permanent || failure.attempts >= this.options.maxAttempts) {
        return this.deadLetter(message, position, { reason: 'handler-failed', detail: failure.error.message }, failure.attempts);
      }
      await this.parking.park(parked, failure.attempts, failure.error);
    });
  }

  /** One background attempt at a parked event: every handler again (they are idempotent), then recorded. */
  private async retryParked(parked: ParkedEvent): Promise<void> {
    const position = { topic: parked.topic, partition: parked.partition, offset: parked.offset };
    const admitted = this.admit(parked.topic, { headers: parked.headers, value: Buffer.from(parked.value, 'utf8') });
    if (!admitted || 'reason' in admitted) throw new PermanentHandlerError(`no longer admitted: ${admitted?.detail ?? 'no handler'}`);
    const { event, handlers } = admitted;
    if (await this.alreadyHandled(event)) return;
    await this.inSpan(event, position, parked.headers, async (logger) => {
      for (const handler of handlers) await handler(event, { logger, ...position });
      await this.markHandled(event, position);
    });
  }

  private async alreadyHandled(event: EventEnvelope): Promise<boolean> {
    const handled = (await this.inbox.collection.findOne({ _id: event.id as never }, { projection: { _id: 1 } })) !== null;
    if (handled) this.options.logger.debug({ eventId: event.id, type: event.type }, 'event already handled, skipped');
    return handled;
  }

  private inSpan(event: EventEnvelope, position: Position, headers: IHeaders | undefined, work: (logger: Logger) => Promise<void>) {
    const logger = this.options.logger.child({ eventId: event.id, eventType: event.type, correlationId: event.correlationid });
    return inSpan(
      `${position.topic} process`,
      {
        kind: SpanKind.CONSUMER,
        parent: restoreTraceContext(traceHeadersOf(headers)),
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': position.topic,
          'messaging.consumer.group.name': consumerGroupId(this.options.topicPrefix, this.options.service),
          'messaging.message.id': event.id,
          'messaging.kafka.offset': Number(position.offset),
          'cloudevents.event_type': event.type,
        },
      },
      () => work(logger),
    );
  }

  /**
   * Runs the handlers in order, at most `inlineAttempts` times; a retry resumes at the handler that
   * failed. An attempt longer than `handlerTimeoutMs` ends the in-line tries (the event is parked; the
   * attempt still running is not cancelled, which is one more reason handlers are idempotent).
   */
  private async runInline(
    handlers: EventHandler<any>[],
    event: EventEnvelope,
    context: HandlerContext,
  ): Promise<{ error: Error; attempts: number } | undefined> {
    const inlineAttempts = Math.min(this.options.inlineAttempts ?? 2, this.options.maxAttempts);
    const timeoutMs = this.options.handlerTimeoutMs ?? 5_000;
    let next = 0;
    for (let attempt = 1; ; attempt++) {
      const timeout = new AbortController();
      const run = (async () => {
        for (; next < handlers.length; next++) await handlers[next]!(event, context);
      })();
      try {
        await Promise.race([
          run,
          sleep(timeoutMs, undefined, { signal: timeout.signal }).then(
            () => Promise.reject(new HandlerTimeoutError(`handler did not finish within ${timeoutMs} ms`)),
            () => undefined,
          ),
        ]);
        return undefined;
      } catch (caught) {
        run.catch(() => undefined);
        const error = caught instanceof Error ? caught : new Error(String(caught));
        if (error instanceof PermanentHandlerError || error instanceof HandlerTimeoutError || attempt >= inlineAttempts) return { error, attempts: attempt };
        const delay = retryDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs ?? 60_000);
        context.logger.warn({ err: error, attempt, retryInMs: delay }, 'event handler failed, retrying');
        await sleep(delay);
      } finally {
        timeout.abort();
      }
    }
  }

  private async markHandled(event: EventEnvelope, position: Position) {
    try {
      await this.inbox.collection.insertOne({ _id: event.id, type: event.type, ...position, handledAt: new Date() } as never);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // handled concurrently elsewhere: fine
    }
  }

  private deadLetter(
    message: { key: Buffer | string | null; value: Buffer | string | null; headers?: IHeaders },
    position: Position,
    refusal: Refused,
    attempts: number,
  ): Promise<void> {
    return publishDeadLetter(
      this.options.producer,
      { topic: this.deadLetterTopic, consumer: this.options.service, maxMessageBytes: this.options.maxMessageBytes ?? 1_000_000, logger: this.options.logger },
      { key: message.key, value: message.value, headers: message.headers ?? {}, position, ...refusal, attempts },
    );
  }
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = headerString(headers, name);
    if (value !== undefined) strings[name] = value;
  }
  return strings;
}
