import { randomUUID } from 'node:crypto';
import { Schema, type UpdateQuery } from 'mongoose';
import { sourceOf, type EventDefinition, type EventData, type EventEnvelope, type ServiceName } from '@aap/contracts';
import { captureTraceContext, type TraceCarrier } from '@aap/observability';
import { documentLocksPlugin } from './document-locks';

/**
 * Transactional outbox without multi-document transactions (FerretDB has none): the events an
 * aggregate change produces are stored IN the aggregate's own document, in the same single-document
 * write as the state change. The relay publishes them and then removes them.
 *
 * Stored as a map keyed by event id (not an array) because marking sent must work on FerretDB,
 * whose $pull only matches whole elements: `$unset: { 'outbox.<id>': '' }` works everywhere.
 * `outboxPending` counts entries so the relay can find pending documents with an indexed query.
 */
export interface PendingEvent {
  /** Publication order within the document. */
  seq: number;
  envelope: EventEnvelope;
  /** Trace context of the request or message that produced the event, restored when publishing. */
  trace: TraceCarrier;
}

export interface EventMetadata {
  /** Correlation id of the business flow; a new flow starts with the event's own id. */
  correlationId?: string;
  /** Id of the event or request that caused this event. */
  causationId?: string;
}

let lastSeq = 0;
function nextSeq(): number {
  // Strictly increasing within a process, close to wall-clock order across processes.
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  return lastSeq;
}

/**
 * Builds a pending event after validating its data against the catalogue schema, so a service can
 * never publish an event its consumers would reject.
 */
export function newEvent<D extends EventDefinition>(
  producer: ServiceName,
  definition: D,
  data: EventData<D>,
  metadata: EventMetadata = {},
): PendingEvent {
  if (definition.producer !== producer) {
    throw new Error(`${producer} cannot publish ${definition.type}: it belongs to ${definition.producer}`);
  }
  const parsed = definition.schema.parse(data) as EventData<D>;
  const id = randomUUID();
  return {
    seq: nextSeq(),
    envelope: {
      specversion: '1.0',
      id,
      type: definition.type,
      source: sourceOf(producer),
      subject: definition.aggregateId(parsed),
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      correlationid: metadata.correlationId ?? id,
      ...(metadata.causationId ? { causationid: metadata.causationId } : {}),
      data: parsed,
    },
    trace: captureTraceContext(),
  };
}

/** Metadata for an event caused by a consumed one: same flow, caused by it. */
export function causedBy(event: Pick<EventEnvelope, 'id' | 'correlationid'>): EventMetadata {
  return { correlationId: event.correlationid, causationId: event.id };
}

/** Schema fields an aggregate needs to carry its outbox (added by `outboxPlugin`). */
export interface OutboxFields {
  outbox?: Record<string, PendingEvent>;
  outboxPending?: number;
}

const outboxWriteListeners = new WeakMap<object, () => void>();

/** Called by the relay of a connection, to be woken as soon as an outbox is written there. */
export function onOutboxWrite(connection: object, listener: () => void): void {
  outboxWriteListeners.set(connection, listener);
}

/** Adds the outbox fields to an aggregate schema and wakes the relay after each write. */
export function outboxPlugin(schema: Schema): void {
  schema.plugin(documentLocksPlugin);
  schema.add({
    outbox: { type: Schema.Types.Mixed },
    outboxPending: { type: Number, default: 0, index: true },
  });
  const wake = (connection: object | undefined) => connection && outboxWriteListeners.get(connection)?.();
  schema.post('save', function () {
    wake((this as unknown as { db?: object }).db);
  });
  schema.post(['updateOne', 'updateMany', 'findOneAndUpdate'], function () {
    wake((this as unknown as { model?: { db?: object } }).model?.db);
  });
  schema.post('insertMany', function () {
    wake((this as unknown as { db?: object }).db);
  });
}

/** Outbox fields of a new document carrying `events`. */
export function outboxForInsert(events: PendingEvent[]): Required<OutboxFields> {
  return {
    outbox: Object.fromEntries(events.map((event) => [event.envelope.id, event])),
    outboxPending: events.length,
  };
}

/** Adds `events` to an update of an existing document (one atomic single-document write). */
export function withEvents<T = any>(update: UpdateQuery<NoInfer<T>>, events: PendingEvent[]): UpdateQuery<T> {
  const set: Record<string, unknown> = { ...(update.$set as object | undefined) };
  for (const event of events) set[`outbox.${event.envelope.id}`] = event;
  const inc: Record<string, number> = { ...(update.$inc as Record<string, number> | undefined) };
  inc.outboxPending = (inc.outboxPending ?? 0) + events.length;
  return { ...update, $set: set, $inc: inc } as UpdateQuery<T>;
}
