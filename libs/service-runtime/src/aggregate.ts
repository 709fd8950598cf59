import type { Connection, Model, Schema } from 'mongoose';
import type { Decision, Emitted, EventData, EventDefinition, ServiceName, Versioned, Violation } from '@aap/contracts';
import { conflict, unprocessable, type ProblemError } from '@aap/http';
import { commandHandler, type AggregateStore, type CommandHandler } from './command-handler';
import { documentLocksPlugin, newEvent, outboxPlugin, type EventMetadata, type OutboxRelay, type PendingEvent } from '@aap/messaging';

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
  /**
   * Declares a model that publishes no event (a read model kept from events, a state changed only by
   * commands of this service) in `collection`: its single-document writes take the document's lease,
   * which FerretDB needs for any guarded or read-then-write update (it updates by find-then-replace),
   * across every instance of the service (document-locks.ts).
   */
  model<Doc>(name: string, schema: Schema<Doc>, options: { collection: string }): Model<Doc>;
  /** A pending event of this service (validated against the catalogue; the producer is this service). */
  event<D extends EventDefinition>(definition: D, data: EventData<D>, metadata?: EventMetadata): PendingEvent;
  /** The pending events of what a decide function emitted, all with the same metadata. */
  events(emitted: readonly Emitted[], metadata?: EventMetadata): PendingEvent[];
  /** The command handler of an aggregate: every command of the service goes through one (`command-handler.ts`). */
  commands<State extends Versioned>(store: AggregateStore<State>): CommandHandler<State>;
}

export function aggregateKit(service: ServiceName, db: Connection, relay: Pick<OutboxRelay, 'track'>): AggregateKit {
  const event: AggregateKit['event'] = (definition, data, metadata) => newEvent(service, definition, data, metadata);
  const events: AggregateKit['events'] = (emitted, metadata) => emitted.map((e) => event(e.definition, e.data, metadata));
  return {
    aggregate<Doc>(name: string, schema: Schema<Doc>, options: { collection: string }): Model<Doc> {
      schema.set('collection', options.collection);
      schema.set('versionKey', false);
      schema.plugin(outboxPlugin);
      const model = db.model<Doc>(name, schema);
      relay.track(model as unknown as Model<any>);
      return model;
    },
    model<Doc>(name: string, schema: Schema<Doc>, options: { collection: string }): Model<Doc> {
      schema.set('collection', options.collection);
      schema.set('versionKey', false);
      schema.plugin(documentLocksPlugin);
      return db.model<Doc>(name, schema);
    },
    event,
    events,
    commands: (store) => commandHandler(store, events),
  };
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

