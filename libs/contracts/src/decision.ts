import type { EventData, EventDefinition } from './catalogue';

/**
 * The vocabulary of every decide function (the pure core of a slice: no I/O, no HTTP types).
 *
 * Two words, the same everywhere:
 * - a **violation** is a broken business rule: `name` is stable (it becomes the problem's
 *   `errors[].name`), `detail` says what to fix, `pointer` (JSON pointer) names the field when there is one;
 * - **version** is an aggregate's optimistic-concurrency counter: a change is decided on one version
 *   and written only if the stored aggregate still has it (the store's guarded `record`).
 */
export interface Violation {
  name: string;
  detail: string;
  pointer?: string;
}

/** An aggregate's state carries its optimistic-concurrency counter. */
export interface Versioned {
  version: number;
}

/** An event a decision asks to record with the new state (the store turns it into a pending outbox event). */
export interface Emitted<D extends EventDefinition = EventDefinition> {
  definition: D;
  data: EventData<D>;
}

/**
 * What a decide function answers: accepted (the next state and the events to record with it),
 * refused (rules broken: 422, one entry per violation) or wrong-status (the command does not apply
 * in the current status: 409).
 */
export type Decision<State> =
  | { outcome: 'accepted'; state: State; events: Emitted[] }
  | { outcome: 'refused'; violations: Violation[] }
  | { outcome: 'wrong-status'; status: string; detail: string };

export const emit = <D extends EventDefinition>(definition: D, data: EventData<D>): Emitted => ({ definition, data });
export const accepted = <State>(state: State, ...events: Emitted[]): Decision<State> => ({ outcome: 'accepted', state, events });
export const refused = <State = never>(violations: Violation[]): Decision<State> => ({ outcome: 'refused', violations });
export const wrongStatus = <State = never>(status: string, detail: string): Decision<State> => ({ outcome: 'wrong-status', status, detail });

/** Refused when any rule is broken, otherwise the accepted outcome `then()` builds. */
export const unlessViolated = <State>(violations: Violation[], then: () => Decision<State>): Decision<State> =>
  violations.length > 0 ? refused(violations) : then();
