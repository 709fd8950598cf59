import type { Connection, Model, Schema, UpdateQuery } from 'mongoose';
import type { Decision, Emitted, EventData, EventDefinition, ServiceName, Violation } from '@aap/contracts';
import { conflict, unprocessable, type ProblemError } from '@aap/http';
import { newEvent, outboxPlugin, withEvents, type EventMetadata, type OutboxRelay, type PendingEvent } from '@aap/messaging';

/**
 * The aggregate kit of a service: declaring an aggregate, building its events, writing its changes.
 * One call does what used to take two (the outbox plugin AND tracking the model in the relay:
 * forgetting the second left events in the outbox, never published).
 */
export interface AggregateKit {
  /**
   * Declares an aggregate stored in `collection`: its documents carry an outbox (written in the same
   * single-document update as the state) and the relay publishes it. Declare each aggregate once.
   */
  aggregate<Doc>(name: string, schema: Schema<Doc>, options: { collection: string }): Model<Doc>;
  /** A pending event of this service (validated against the catalogue; the producer is this service). */
  event<D extends EventDefinition>(definition: D, data: EventData<D>, metadata?: EventMetadata): PendingEvent;
  /** The pending events of what a decide function emitted, all with the same metadata. */
  events(emitted: readonly Emitted[], metadata?: EventMetadata): PendingEvent[];
}

export function aggregateKit(service: ServiceName, db: Connection, relay: Pick<OutboxRelay, 'track'>): AggregateKit {
  const event: AggregateKit['event'] = (definition, data, metadata) => newEvent(service, definition, data, metadata);
  return {
    aggregate<Doc>(name: string, schema: Schema<Doc>, options: { collection: string }): Model<Doc> {
      schema.set('collection', options.collection);
      schema.set('versionKey', false);
      schema.plugin(outboxPlugin);
      const model = db.model<Doc>(name, schema);
      relay.track(model as unknown as Model<any>);
      return model;
    },
    event,
    events: (emitted, metadata) => emitted.map((e) => event(e.definition, e.data, metadata)),
  };
}

/** The aggregate a change was decided on: its id and the version it had then. */
export interface Current {
  id: string;
  version: number;
}

/**
 * Writes a decided change and its events in ONE guarded single-document update: it applies only if
 * the aggregate still has the version the change was decided on (`{_id, version}`), bumps the version,
 * and stores the events in the document's outbox. On FerretDB the per-document lock of the outbox
 * plugin serialises it with the other writes of this process. False when the race was lost.
 */
export async function record<Doc>(model: Model<Doc>, current: Current, update: UpdateQuery<Doc>, events: readonly PendingEvent[] = []): Promise<boolean> {
  const guarded = { ...update, $inc: { ...(update.$inc as Record<string, number> | undefined), version: 1 } } as UpdateQuery<Doc>;
  const result = await model.updateOne({ _id: current.id, version: current.version } as never, events.length ? withEvents<Doc>(guarded, [...events]) : guarded);
  return result.matchedCount === 1;
}

/**
 * True for a write refused by a unique index: MongoDB's E11000 (code 11000), and FerretDB's SQLite
 * backend, which reports a unique constraint broken by an update as an internal error.
 */
export function isDuplicateKey(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 11000 || (typeof message === 'string' && message.includes('UNIQUE constraint failed'));
}

/** Inserts `doc` unless a document with its key (`_id` or another unique index) exists already. */
export async function insertOnce<Doc>(model: Model<Doc>, doc: Partial<Doc> & { _id: unknown }): Promise<'inserted' | 'exists'> {
  try {
    await model.create(doc);
    return 'inserted';
  } catch (error) {
    if (isDuplicateKey(error)) return 'exists';
    throw error;
  }
}

/** Violations as problem `errors` entries (`in: 'rule'`). */
export const violationErrors = (violations: readonly Violation[]): ProblemError[] =>
  violations.map((v) => ({ name: v.name, in: 'rule', detail: v.detail, ...(v.pointer ? { pointer: v.pointer } : {}) }));

/**
 * The accepted decision, or the problem answering its refusal: wrong status → 409 (entry
 * `<aggregate>-status`, e.g. `call-status`), broken rules → 422 (one entry per violation).
 */
export function acceptedOrThrow<State>(decision: Decision<State>, aggregate: string): { state: State; events: Emitted[] } {
  if (decision.outcome === 'wrong-status') {
    throw conflict(decision.detail, [{ name: `${aggregate}-status`, in: 'rule', detail: decision.detail }]);
  }
  if (decision.outcome === 'refused') {
    throw unprocessable(`${decision.violations.length} rule(s) refuse this change`, violationErrors(decision.violations));
  }
  return decision;
}

/** The 409 of a guarded write that lost its race: the aggregate changed since it was read. */
export function concurrentChange(what: string, version: number) {
  const detail = `${what} was changed by another request at the same time (from version ${version}); reload it and retry`;
  return conflict(detail, [{ name: 'concurrent-change', in: 'rule', detail }]);
}
