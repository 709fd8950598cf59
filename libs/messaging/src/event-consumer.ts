import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mongoose';
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
import { crashPoint } from './crash-points';
import { resolveOrder, runInOrder, type HandlerUnit } from './handler-order';
import { ProcessedEvents } from './processed-events';
import { eachLimited } from './each-limited';

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

export interface BatchContext {
  logger: Logger;
  topic: string;
  partition: number;
}

/**
 * Handles at once the events of its types taken from one fetched batch of one partition, in offset
 * order. Like an `EventHandler` it may see an event again (a crash before they are recorded as
 * handled; a failed batch is retried one event at a time, `[event]`): idempotent, or atomic.
 */
export type BatchHandler = (events: EventEnvelope[], context: BatchContext) => Promise<void>;

export interface HandlerOptions {
  /** Names the handler, for others of the same event to come `after` it. */
  name?: string;
  /** Handlers (by name) of the same event that must have succeeded before this one starts. */
  after?: readonly string[];
}

/** Thrown by a handler for a failure no retry can fix: the message goes to the dead-letter topic at once. */
export class PermanentHandlerError extends Error {
  override name = 'PermanentHandlerError';
}

export type { DeadLetterReason } from './dead-letters';

export { processedEventModel } from './processed-events';

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
  /** Partitions worked on at once (default 3). */
  partitionsConcurrently?: number;
  /** Within a partition, keys whose events are handled at once (default 16); one key's events one after the other. */
  keysConcurrently?: number;
  /** Messages of a fetched batch taken together: one round of inbox reads, one inbox write, one offset resolved (default 100). */
  messagesAtOnce?: number;
  /** Largest dead letter sent whole (default 1 000 000 bytes); a larger one is truncated. */
  maxMessageBytes?: number;
}

type Position = { topic: string; partition: number; offset: string };
interface BatchRegistration {
  types: ReadonlySet<string>;
  handler: BatchHandler;
}
type Run = { handler: EventHandler<any>; batch?: undefined } | { handler?: undefined; batch: BatchRegistration };
type Unit = HandlerUnit<Run>;
type Admitted = { event: EventEnvelope; units: Unit[] };
type Refused = { reason: DeadLetterReason; detail: string };
type ParkedInput = Omit<ParkedEvent, 'attempts' | 'parkedAt'>;
/** An admitted message of a fetched batch, and the handlers that already succeeded on it. */
interface Taken extends Admitted {
  message: KafkaMessage;
  position: Position;
  parked: ParkedInput;
  done: Set<Unit>;
}

class HandlerTimeoutError extends Error {
  override name = 'HandlerTimeoutError';
}

/**
 * A consumer group per service. For each message: decode the CloudEvents envelope; admit it only if
 * its type is in the catalogue, it came on that type's topic and from that type's producer
 * (`ce_source`); validate the data against the catalogue schema, reading a superseded version as the
 * current one (`EventCatalogue.read`: the handlers and the envelope's `type` see only the current
 * version); skip it if already handled (`processed_events`); run the handlers, and record it as handled.
 *
 * At the broker's pace: a fetched batch is taken `messagesAtOnce` messages at a time — one claim of
 * their ids, inbox reads only for the ids claimed before (`ProcessedEvents`), the batch handlers (`onBatch`) on all of them, then each
 * key's events in offset order, keys side by side (`keysConcurrently`), the handlers of one event side
 * by side unless they declared an order (`after`); then one inbox write for those handled, and the
 * offset. Per-key order holds: one key lives on one partition, and its events run one after the other.
 *
 * Nothing holds a partition: a refused or invalid message goes to the dead-letter topic at once; a
 * failing handler gets a short in-line retry, then the event is parked (`parked_events`) with every
 * later event of its key, the offset moves on, and parked events are retried in the background with
 * backoff, in order, until handled or dead-lettered after `maxAttempts`. While messages are being
 * handled, heartbeats keep the group membership; offsets are committed every second.
 */
export class EventConsumer {
  /** Handlers of each event type, in registration order. */
  private readonly handlers = new Map<string, Unit[]>();
  private readonly batchHandlers: BatchRegistration[] = [];
  private readonly inbox: ProcessedEvents;
  private readonly parking: ParkingLot;
  private consumer: Consumer | undefined;
  /** What `named` gives the handlers registered while it runs. */
  private scope: HandlerOptions | undefined;
  private registrationOrder = false;
  readonly deadLetterTopic: string;
  /** Times this consumer (re)joined its group: more than once means a rebalance happened. */
  groupJoins = 0;

  constructor(private readonly options: EventConsumerOptions) {
    this.inbox = new ProcessedEvents(options.connection);
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
   * Adds a handler for one event type. Several may be registered for a type: they run side by side
   * unless one declares `after` (names of others); the event is recorded as handled once every one
   * succeeded. Each must be idempotent on its own (a retry or redelivery may run one that already succeeded).
   */
  on<D extends EventDefinition>(definition: D, handler: EventHandler<D>, options: HandlerOptions = {}): this {
    this.add(definition, { handler }, options);
    return this;
  }

  /**
   * Adds a handler taking the not-yet-handled events of `definitions` of one fetched batch of one
   * partition at once, in offset order; they are recorded as handled once it resolves (and their
   * other handlers succeeded). If it fails, each event is retried alone through the normal path
   * (`[event]`: in-line retries, parking, dead letter), so a poison event ends in the dead-letter
   * topic with its reason and never holds the partition. It runs before the events' other handlers.
   */
  onBatch(definitions: readonly EventDefinition[], handler: BatchHandler, options: Pick<HandlerOptions, 'name'> = {}): this {
    const batch: BatchRegistration = { types: new Set(definitions.map((definition) => definition.type)), handler };
    for (const definition of definitions) this.add(definition, { batch }, options);
    this.batchHandlers.push(batch);
    return this;
  }

  /**
   * Every handler registered while `register` runs (synchronously) gets `name` and `after` (unless it
   * gives its own): how a service orders its slices' handlers without their code knowing each other.
   */
  named<T>(name: string, register: () => T, options: Pick<HandlerOptions, 'after'> = {}): T {
    const outer = this.scope;
    this.scope = { name, ...(options.after ? { after: options.after } : {}) };
    try {
      const registered = register();
      if (typeof (registered as { then?: unknown } | undefined)?.then === 'function') throw new Error(`the handlers named ${name} must be registered synchronously`);
      return registered;
    } finally {
      this.scope = outer;
    }
  }

  /**
   * From now on, each handler registered for a type runs after the ones registered before it for that
   * type: for a service whose handlers of one event rely on one another's writes in registration order.
   */
  inRegistrationOrder(): this {
    this.registrationOrder = true;
    return this;
  }

  private add(definition: EventDefinition, run: Run, options: HandlerOptions): void {
    if (definition.supersededBy) throw new Error(`${definition.type} is read as ${definition.supersededBy.definition.type}: handle that version`);
    const units = this.handlers.get(definition.type) ?? [];
    const unit: Unit = { name: options.name ?? this.scope?.name, after: options.after ?? this.scope?.after ?? [], run, waitsFor: [] };
    if (this.registrationOrder && units.length > 0) unit.waitsFor.push(units.at(-1)!);
    units.push(unit);
    this.handlers.set(definition.type, units);
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
    const names = new Set([...this.handlers.values()].flat().map((unit) => unit.name));
    for (const [type, units] of this.handlers) {
      if (!this.options.catalogue.get(type)) throw new Error(`${type} is not in the event catalogue`);
      const unknown = units.flatMap((unit) => unit.after).filter((name) => !names.has(name));
      if (unknown.length > 0) throw new Error(`a handler of ${type} comes after ${unknown.join(', ')}: no handler has that name`);
      resolveOrder(type, units);
    }
    await this.inbox.model.createIndexes();
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
    const atOnce = this.options.messagesAtOnce ?? 100;
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 3,
      eachBatchAutoResolve: false,
      autoCommitInterval: 1_000,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
        for (let from = 0; from < batch.messages.length; from += atOnce) {
          if (!isRunning() || isStale()) break;
          const messages = batch.messages.slice(from, from + atOnce);
          // Slow handlers must not cost the group membership: heartbeats go on while they work.
          const keepAlive = setInterval(() => heartbeat().catch(() => undefined), heartbeatInterval);
          try {
            await this.handleMessages(batch.topic, batch.partition, messages);
          } finally {
            clearInterval(keepAlive);
          }
          // Handled and recorded, not committed yet: a redelivery from here must change nothing.
          crashPoint('consumer.before-commit');
          resolveOffset(messages.at(-1)!.offset);
          await heartbeat();
          await commitOffsetsIfNecessary();
        }
      },
    });
  }

  /** Graceful: finishes the messages in progress, commits, leaves the group, then stops the retries. */
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
    const units = this.handlers.get(this.options.catalogue.current(envelope.type)!.type);
    if (!units) return undefined; // another consumer's event on a shared topic
    const expectedTopic = eventTopicName(this.options.topicPrefix, definition.topic);
    if (topic !== expectedTopic) return { reason: 'wrong-topic', detail: `${envelope.type} is published on ${expectedTopic}, not ${topic}` };
    const expectedSource = sourceOf(definition.producer);
    if (envelope.source !== expectedSource) {
      return { reason: 'untrusted-source', detail: `${envelope.type} comes from ${expectedSource}, not ${envelope.source}` };
    }
    // Validated, and upcast to the current version of its event: handlers see one shape per event.
    const read = this.options.catalogue.read(envelope.type, envelope.data)!;
    if ('error' in read) return { reason: 'schema-validation', detail: read.error };
    return { event: { ...envelope, type: read.definition.type, data: read.data }, units };
  }

  /** Messages of one partition, in offset order: every one handled, parked, queued or dead-lettered when this resolves. */
  private async handleMessages(topic: string, partition: number, messages: KafkaMessage[]): Promise<void> {
    const taken: Taken[] = [];
    const ids = new Set<string>();
    for (const message of messages) {
      const position = { topic, partition, offset: message.offset };
      const admitted = this.admit(topic, message);
      if (!admitted) continue;
      if ('reason' in admitted) {
        await this.deadLetter(message, position, admitted, 1);
        continue;
      }
      // A copy of an event further up this batch: handled (or parked) with it.
      if (ids.has(admitted.event.id)) continue;
      ids.add(admitted.event.id);
      const key = message.key?.toString() ?? null;
      const parked = {
        _id: admitted.event.id,
        parkKey: `${topic}|${key ?? ''}`,
        order: Number(message.offset),
        ...position,
        key,
        value: message.value!.toString('utf8'),
        headers: stringHeaders(message.headers),
      };
      taken.push({ ...admitted, message, position, parked, done: new Set() });
    }
    const handled = await this.inbox.claimUnhandled([...ids]);
    const fresh = taken.filter(({ event }) => !handled.has(event.id));
    if (fresh.length < taken.length) this.options.logger.debug({ skipped: taken.length - fresh.length, topic, partition }, 'events already handled, skipped');

    await this.runBatchHandlers(topic, partition, fresh);

    // One key's events one after the other, in offset order; keys side by side.
    const byKey = new Map<string, Taken[]>();
    for (const item of fresh) byKey.set(item.parked.parkKey, [...(byKey.get(item.parked.parkKey) ?? []), item]);
    const recorded: Taken[] = [];
    await eachLimited([...byKey.values()], this.options.keysConcurrently ?? 16, async (ofKey) => {
      for (const item of ofKey) if (await this.handleTaken(item)) recorded.push(item);
    });
    await this.inbox.record(recorded.map(({ event, position }) => ({ _id: event.id, type: event.type, ...position, handledAt: new Date() })));
  }

  /**
   * Each batch handler on its events of the batch whose key is not held behind a parked event, side by
   * side. One that fails leaves its events to the one-by-one path (where it runs again, on `[event]`).
   */
  private async runBatchHandlers(topic: string, partition: number, fresh: Taken[]): Promise<void> {
    if (this.batchHandlers.length === 0 || fresh.length === 0) return;
    const held = await Promise.all(fresh.map((item) => this.parking.holds(item.parked.parkKey)));
    const free = fresh.filter((_, index) => !held[index]);
    const logger = this.options.logger.child({ topic, partition });
    await Promise.all(
      this.batchHandlers.map(async (batch) => {
        const mine = free.flatMap((item) => {
          const unit = item.units.find((candidate) => candidate.run.batch === batch);
          // A batch handler that waits for others runs with them, event by event.
          return unit && unit.waitsFor.length === 0 ? [{ item, unit }] : [];
        });
        if (mine.length === 0) return;
        try {
          await this.withinTimeout(batch.handler(mine.map(({ item }) => item.event), { logger, topic, partition }));
          for (const { item, unit } of mine) item.done.add(unit);
        } catch (error) {
          logger.warn({ err: error, events: mine.length }, 'batch handler failed: its events are retried one by one');
        }
      }),
    );
  }

  /** One event of a batch, after the batch handlers: true when handled, to be recorded. */
  private async handleTaken({ event, units, message, position, parked, done }: Taken): Promise<boolean> {
    // A later event of a key whose earlier event is parked waits behind it: per-key order holds.
    if (await this.parking.queueIfParked(parked)) return false;
    return this.inSpan(event, position, message.headers, async (logger) => {
      const failure = await this.runInline(units, done, event, { logger, ...position });
      if (!failure) return true;
      const permanent = failure.error instanceof PermanentHandlerError;
      if (permanent || failure.attempts >= this.options.maxAttempts) {
        await this.deadLetter(message, position, { reason: 'handler-failed', detail: failure.error.message }, failure.attempts);
      } else {
        await this.parking.park(parked, failure.attempts, failure.error);
      }
      return false;
    });
  }

  /** One background attempt at a parked event: every handler again (they are idempotent), then recorded. */
  private async retryParked(parked: ParkedEvent): Promise<void> {
    const position = { topic: parked.topic, partition: parked.partition, offset: parked.offset };
    const admitted = this.admit(parked.topic, { headers: parked.headers, value: Buffer.from(parked.value, 'utf8') });
    if (!admitted || 'reason' in admitted) throw new PermanentHandlerError(`no longer admitted: ${admitted?.detail ?? 'no handler'}`);
    const { event, units } = admitted;
    if ((await this.inbox.handledAmong([event.id])).size > 0) return;
    await this.inSpan(event, position, parked.headers, async (logger) => {
      await runInOrder(units, new Set(), (unit) => this.invoke(unit, event, { logger, ...position }));
      await this.inbox.record([{ _id: event.id, type: event.type, ...position, handledAt: new Date() }]);
    });
  }

  private invoke(unit: Unit, event: EventEnvelope, context: HandlerContext): Promise<void> {
    return unit.run.batch ? unit.run.batch.handler([event], context) : unit.run.handler(event, context);
  }

  private inSpan<T>(event: EventEnvelope, position: Position, headers: IHeaders | undefined, work: (logger: Logger) => Promise<T>): Promise<T> {
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

  /** Rejects with a HandlerTimeoutError when `work` runs longer than `handlerTimeoutMs` (the work itself is not cancelled). */
  private async withinTimeout(work: Promise<void>): Promise<void> {
    const timeoutMs = this.options.handlerTimeoutMs ?? 5_000;
    const timeout = new AbortController();
    try {
      await Promise.race([
        work,
        sleep(timeoutMs, undefined, { signal: timeout.signal }).then(
          () => Promise.reject(new HandlerTimeoutError(`handler did not finish within ${timeoutMs} ms`)),
          () => undefined,
        ),
      ]);
    } catch (error) {
      work.catch(() => undefined);
      throw error;
    } finally {
      timeout.abort();
    }
  }

  /**
   * Runs the handlers not `done` yet (side by side, in their declared order), at most
   * `inlineAttempts` times; a retry runs only the ones that have not succeeded. An attempt longer than
   * `handlerTimeoutMs` ends the in-line tries (the event is parked; the attempt still running is not
   * cancelled, which is one more reason handlers are idempotent).
   */
  private async runInline(units: Unit[], done: Set<Unit>, event: EventEnvelope, context: HandlerContext): Promise<{ error: Error; attempts: number } | undefined> {
    const inlineAttempts = Math.min(this.options.inlineAttempts ?? 2, this.options.maxAttempts);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.withinTimeout(runInOrder(units, done, (unit) => this.invoke(unit, event, context)));
        return undefined;
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        if (error instanceof PermanentHandlerError || error instanceof HandlerTimeoutError || attempt >= inlineAttempts) return { error, attempts: attempt };
        const delay = retryDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs ?? 60_000);
        context.logger.warn({ err: error, attempt, retryInMs: delay }, 'event handler failed, retrying');
        await sleep(delay);
      }
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
