import type { Model, UpdateQuery } from 'mongoose';
import type { Decision, Emitted, Versioned } from '@aap/contracts';
import { outboxForInsert, withoutOutbox, type EventMetadata, type OutboxFields, type PendingEvent } from '@aap/messaging';
import { concurrentChange, insertOnce, record } from './guarded-write';

/**
 * THE command path of every service: load → decide (pure) → record with the expected version, and on
 * a lost race load and decide again, with one retry policy. Written once here, in the manner of
 * emmett's `CommandHandler`: stores only say how a state maps to its document.
 *
 * Aggregates are state-stored (a document per aggregate, not an event stream): a decision carries
 * the next state and the events to publish with it, both written in ONE guarded single-document
 * update (state + outbox). Only the store bumps the version; a decide function never touches it.
 */

/** How one aggregate's state is kept: the only code that knows its document shape. */
export interface AggregateStore<State extends Versioned> {
  /** The aggregate's name in messages, e.g. `dossier` (409 details, spans). */
  readonly name: string;
  load(id: string): Promise<State | null>;
  /** Stores a new aggregate (version 1) with its events; false when one with this id exists (a race or a retry). */
  create(id: string, state: State, events: readonly PendingEvent[]): Promise<boolean>;
  /** ONE guarded write of the next state and its events: applies only if the stored version is `current.version`. */
  record(id: string, current: State, next: State, events: readonly PendingEvent[]): Promise<boolean>;
}

/** How a state maps to its document (everything but `_id`, `version` and the outbox). */
export interface DocumentMapping<State extends Versioned, Doc> {
  name: string;
  toState(doc: Doc & { _id: string }): State;
  /** The stored fields of a state; `undefined` values are left out (use `optional` to unset them). */
  toFields(state: State): Record<string, unknown>;
  /** Fields a state may drop: written as `$unset` when absent from the next state. */
  optional?: readonly string[];
}

/**
 * An `AggregateStore` over a model declared with `context.aggregate` (outbox and per-document lock
 * included), or with `context.model` for a state that publishes no event (per-document lock only).
 */
export function documentStore<State extends Versioned, Doc extends object>(model: Model<Doc>, mapping: DocumentMapping<State, Doc>): AggregateStore<State> {
  const fieldsOf = (state: State) => {
    // The outbox's own fields are the outbox's to write (a state that carried them along would clash with its $inc).
    const { version: _version, ...rest } = withoutOutbox(mapping.toFields(state)) as Record<string, unknown> & { version?: number };
    return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  };
  return {
    name: mapping.name,
    async load(id) {
      const doc = await model.findById(id).lean<Doc & { _id: string }>();
      if (!doc) return null;
      return mapping.toState(withoutOutbox(doc) as Doc & { _id: string });
    },
    async create(id, state, events) {
      const outcome = await insertOnce(model, { _id: id, ...fieldsOf(state), version: 1, ...outboxForInsert([...events]) } as never);
      return outcome === 'inserted';
    },
    record(id, current, next, events) {
      // Judged on the stored fields (a mapping may derive fields the state does not hold).
      const fields = fieldsOf(next);
      const unset = (mapping.optional ?? []).filter((field) => fields[field] === undefined);
      const update = {
        $set: fields,
        ...(unset.length ? { $unset: Object.fromEntries(unset.map((field) => [field, ''])) } : {}),
      } as UpdateQuery<Doc>;
      return record(model, { id, version: current.version }, update, events);
    },
  };
}

/** The one retry policy on a lost race: decide again on what is stored, a little later each time, then 409. */
export const RETRY_POLICY = { maxAttempts: 50, baseDelayMs: 2, maxDelayMs: 50 } as const;

const backoff = (attempt: number) =>
  attempt <= 2 ? Promise.resolve() : new Promise<void>((resolve) => setTimeout(resolve, Math.min(RETRY_POLICY.maxDelayMs, RETRY_POLICY.baseDelayMs * 2 ** (attempt - 2)) * Math.random()));

/** What a handled command did: the state it was decided on, the decision, and the state now stored. */
export interface Handled<State> {
  before: State | null;
  decision: Decision<State>;
  /** The stored state after the command (with its new version) when accepted; `before` otherwise. */
  after: State | null;
  /** True when the decision changed something and it was written. */
  written: boolean;
}

/** How a command is run: `loaded`, the aggregate as the caller has just read it (null: none), is decided on at the first attempt instead of reading it again; a stale one loses the guarded write and is read again. */
export interface HandleOptions<State> {
  loaded?: State | null;
}

export interface CommandHandler<State extends Versioned> {
  /**
   * Runs `decide` on the aggregate `id` and records what it decided. `decide` receives `null` when
   * there is no such aggregate (a creation, or a 404 for the caller to answer when it returns no
   * change). An accepted decision that returns the same state object writes nothing.
   */
  handle(id: string, decide: (state: State | null) => Decision<State> | Promise<Decision<State>>, metadata?: EventMetadata, options?: HandleOptions<State>): Promise<Handled<State>>;
  /**
   * `handle` for an id that is almost always new (random, or derived from an Idempotency-Key): decides
   * on `null` and inserts at once, without reading first (one round trip). When the id exists (a retry,
   * or the same key racing with itself: the insert loses on `_id`), or when the decision on `null` is not
   * accepted, it is `handle`: the stored aggregate is loaded and decided on, so a retry answers what the
   * first request made even where a new one would now be refused.
   */
  handleNew(id: string, decide: (state: State | null) => Decision<State> | Promise<Decision<State>>, metadata?: EventMetadata): Promise<Handled<State>>;
  /** `handle` on an aggregate that must exist: null when it does not (nothing decided). */
  handleExisting(id: string, decide: (state: State) => Decision<State> | Promise<Decision<State>>, metadata?: EventMetadata, options?: HandleOptions<State>): Promise<Handled<State> | null>;
}

/**
 * The command handler of one aggregate. `toPending` turns a decision's events into outbox entries
 * (`context.events`), so every event is validated against the catalogue and produced by this service.
 */
export function commandHandler<State extends Versioned>(
  store: AggregateStore<State>,
  toPending: (emitted: readonly Emitted[], metadata?: EventMetadata) => PendingEvent[],
): CommandHandler<State> {
  async function handle(id: string, decide: (state: State | null) => Decision<State> | Promise<Decision<State>>, metadata?: EventMetadata, options: HandleOptions<State> = {}): Promise<Handled<State>> {
    for (let attempt = 1; ; attempt++) {
      const before = attempt === 1 && options.loaded !== undefined ? options.loaded : await store.load(id);
      const decision = await decide(before);
      if (decision.outcome !== 'accepted' || decision.state === before) return { before, decision, after: before, written: false };
      const events = toPending(decision.events, metadata);
      const won = before ? await store.record(id, before, decision.state, events) : await store.create(id, decision.state, events);
      if (won) return { before, decision, after: { ...decision.state, version: before ? before.version + 1 : 1 }, written: true };
      if (attempt >= RETRY_POLICY.maxAttempts) throw concurrentChange(`${store.name} ${id}`, before?.version ?? 0);
      await backoff(attempt);
    }
  }
  return {
    handle,
    async handleNew(id, decide, metadata) {
      const decision = await decide(null);
      if (decision.outcome === 'accepted' && decision.state !== null) {
        if (await store.create(id, decision.state, toPending(decision.events, metadata))) {
          return { before: null, decision, after: { ...decision.state, version: 1 }, written: true };
        }
      }
      return handle(id, decide, metadata);
    },
    async handleExisting(id, decide, metadata, options) {
      let missing = false;
      const handled = await handle(
        id,
        (state) => {
          if (state) return decide(state);
          missing = true;
          return { outcome: 'accepted', state: state as never, events: [] };
        },
        metadata,
        options,
      );
      return missing ? null : handled;
    },
  };
}

/**
 * A decide function for an aggregate created on first use (a call's envelope, its reviewer pool):
 * `decide` runs on the stored state, or on `initial` when there is none yet; a decision that leaves
 * `initial` as it is creates nothing (no empty document written by a command that changed nothing).
 */
export function startingFrom<State>(initial: State, decide: (state: State) => Decision<State> | Promise<Decision<State>>): (stored: State | null) => Promise<Decision<State>> {
  return async (stored) => {
    const decision = await decide(stored ?? initial);
    if (!stored && decision.outcome === 'accepted' && decision.state === initial && decision.events.length === 0) return { outcome: 'accepted', state: stored as never, events: [] };
    return decision;
  };
}
