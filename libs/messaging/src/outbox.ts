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
 * `outboxPending` is a boolean flag, set in the write that adds events and cleared by the relay once
 * the outbox is empty, so the relay finds pending documents with an equality on an indexed field
 * (FerretDB hands `{outboxPending: true}` to its backend; a `$gt` reads and decodes every document).
 * `outboxWrites` counts the writes that added events: the relay, having sent every entry it read,
 * empties the outbox and lowers the flag in ONE update guarded on the count it read (nothing added
 * since), instead of removing the entries then lowering the flag if nothing is left.
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
  /** Id of the event that caused this event (absent when a request started the flow). */
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
  if (definition.supersededBy) throw new Error(`${definition.type} is superseded: publish ${definition.supersededBy.definition.type}`);
  // In its wire form (JSON) from the start: an optional field left `undefined` would otherwise be
  // stored in the outbox as BSON null, then published as null, which the schema refuses.
  const parsed = JSON.parse(JSON.stringify(definition.schema.parse(data))) as EventData<D>;
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
  outboxPending?: boolean;
  /** How many writes added events (absent on documents written before it was kept). */
  outboxWrites?: number;
}

/**
 * Told the model and `_id` of a document just written with pending events (`id` undefined when the
 * write does not name one document), so the relay can fetch exactly that document.
 */
export type OutboxWriteListener = (collection: string, id: unknown) => void;

const outboxWriteListeners = new WeakMap<object, OutboxWriteListener>();

/** Called by the relay of a connection, to be woken as soon as an outbox is written there. */
export function onOutboxWrite(connection: object, listener: OutboxWriteListener): void {
  outboxWriteListeners.set(connection, listener);
}

/** True when an update (or its upsert) raises the pending flag, i.e. it adds events. */
function flagsPending(update: unknown): boolean {
  if (!update || typeof update !== 'object') return false;
  const { $set, $setOnInsert, outboxPending } = update as Record<string, { outboxPending?: unknown } | undefined> & { outboxPending?: unknown };
  return outboxPending === true || $set?.outboxPending === true || $setOnInsert?.outboxPending === true;
}

/** The `_id` a filter names, when it names exactly one document. */
function singleId(filter: unknown): unknown {
  const id = (filter as { _id?: unknown } | undefined)?._id;
  if (id === undefined || id === null) return undefined;
  return typeof id === 'object' && !('toHexString' in id) ? undefined : id; // an operator such as $in
}

/** Adds the outbox fields to an aggregate schema and wakes the relay after each write that adds events. */
export function outboxPlugin(schema: Schema): void {
  schema.plugin(documentLocksPlugin);
  schema.add({
    outbox: { type: Schema.Types.Mixed },
    outboxPending: { type: Boolean, default: false, index: true },
    outboxWrites: { type: Number },
  });
  type Written = { _id?: unknown; outboxPending?: unknown; db?: object; collection?: { collectionName: string } };
  const wake = (connection: object | undefined, collection: string | undefined, id: unknown) => {
    if (connection && collection) outboxWriteListeners.get(connection)?.(collection, id);
  };
  schema.post('save', function () {
    const doc = this as unknown as Written;
    if (doc.outboxPending === true) wake(doc.db, doc.collection?.collectionName, doc._id);
  });
  schema.post(['updateOne', 'updateMany', 'findOneAndUpdate'], function () {
    const query = this as unknown as { model?: { db?: object; collection: { collectionName: string } }; getUpdate(): unknown; getFilter(): unknown; op?: string };
    if (!flagsPending(query.getUpdate())) return;
    wake(query.model?.db, query.model?.collection.collectionName, query.op === 'updateMany' ? undefined : singleId(query.getFilter()));
  });
  schema.post('insertMany', function (docs: Written[]) {
    const model = this as unknown as { db?: object; collection?: { collectionName: string } };
    for (const doc of docs ?? []) if (doc.outboxPending === true) wake(model.db, model.collection?.collectionName, doc._id);
  });
}

/** A stored document without its outbox fields: what a state is read from. */
export function withoutOutbox<Doc extends object>(doc: Doc): Omit<Doc, keyof OutboxFields> {
  const { outbox: _outbox, outboxPending: _pending, outboxWrites: _writes, ...fields } = doc as Doc & OutboxFields;
  return fields;
}

/** Outbox fields of a new document carrying `events`. */
export function outboxForInsert(events: PendingEvent[]): Required<OutboxFields> {
  return {
    outbox: Object.fromEntries(events.map((event) => [event.envelope.id, event])),
    outboxPending: events.length > 0,
    outboxWrites: events.length > 0 ? 1 : 0,
  };
}

/** Adds `events` to an update of an existing document (one atomic single-document write that raises the flag). */
export function withEvents<T = any>(update: UpdateQuery<NoInfer<T>>, events: PendingEvent[]): UpdateQuery<T> {
  if (events.length === 0) return update as UpdateQuery<T>;
  const set: Record<string, unknown> = { ...(update.$set as object | undefined) };
  for (const event of events) set[`outbox.${event.envelope.id}`] = event;
  set.outboxPending = true;
  return { ...update, $set: set, $inc: { ...(update.$inc as object | undefined), outboxWrites: 1 } } as UpdateQuery<T>;
}
