import { expect } from 'vitest';
import type { Decision, EventData, EventDefinition } from '@aap/contracts';

/**
 * Given / when / then specs for decide functions (emmett's `DeciderSpecification`, for state-stored
 * aggregates): given a state, when a command is decided, then the events it emits, or the rules that
 * refuse it, or the status that does not allow it.
 *
 * ```ts
 * const spec = decider(withdraw);
 * spec.given(dossierIn('under-review')).when({ reason: 'reporté', by: 'agent-1' }, NOW).then(DossierWithdrawn);
 * spec.given(dossierIn('draft')).when(...).thenRefused('window-open');
 * ```
 *
 * Import it from `@aap/test-harness/decider-spec` (pure: it starts no infrastructure).
 */
export function decider<State, Command, Extra extends unknown[] = []>(decide: (state: State, command: Command, ...extra: Extra) => Decision<State>) {
  return {
    given: (state: State) => ({
      when: (command: Command, ...extra: Extra) => outcomeOf(decide(state, command, ...extra), state),
    }),
  };
}

/** The same assertions over a decision computed elsewhere (a decide function with another shape). */
export const thenOf = <State>(decision: Decision<State>, given?: State) => outcomeOf(decision, given);

/** An expected event: its definition, optionally with the part of its data that matters. */
export type ExpectedEvent = EventDefinition | { definition: EventDefinition; data?: Partial<EventData<EventDefinition>> | Record<string, unknown> };

function outcomeOf<State>(decision: Decision<State>, given: State | undefined) {
  const accepted = () => {
    expect(decision, `expected the command to be accepted, got ${describe(decision)}`).toMatchObject({ outcome: 'accepted' });
    return decision as Extract<Decision<State>, { outcome: 'accepted' }>;
  };
  const assertions = {
    decision,
    /** Accepted, emitting exactly these events in this order (type, and the data given). */
    then(...expected: ExpectedEvent[]) {
      const { events } = accepted();
      expect(events.map((e) => e.definition.type), 'emitted event types').toEqual(expected.map((e) => ('type' in e ? e.type : e.definition.type)));
      expected.forEach((e, i) => {
        if (!('type' in e) && e.data) expect(events[i]!.data, `data of ${e.definition.type}`).toMatchObject(e.data);
      });
      return assertions;
    },
    /** Accepted; the next state has these fields. */
    thenState(partial: Partial<State> | Record<string, unknown>) {
      expect(accepted().state).toMatchObject(partial);
      return assertions;
    },
    /** Accepted and nothing changes: the same state, no event (a retried command). */
    thenNothingHappens() {
      const decision = accepted();
      expect(decision.events, 'no event').toEqual([]);
      if (given !== undefined) expect(decision.state, 'the same state').toBe(given);
      return assertions;
    },
    /** Refused for exactly these rules (violation names, any order). */
    thenRefused(...names: string[]) {
      expect(decision, `expected a refusal, got ${describe(decision)}`).toMatchObject({ outcome: 'refused' });
      const violations = (decision as Extract<Decision<State>, { outcome: 'refused' }>).violations;
      expect(violations.map((v) => v.name).sort()).toEqual([...names].sort());
      return assertions;
    },
    /** Not allowed in the current status (409). */
    thenWrongStatus(status?: string) {
      expect(decision, `expected a wrong-status, got ${describe(decision)}`).toMatchObject({ outcome: 'wrong-status', ...(status ? { status } : {}) });
      return assertions;
    },
  };
  return assertions;
}

function describe<State>(decision: Decision<State>): string {
  switch (decision.outcome) {
    case 'accepted':
      return `accepted with [${decision.events.map((e) => e.definition.type).join(', ')}]`;
    case 'refused':
      return `refused: ${decision.violations.map((v) => `${v.name} (${v.detail})`).join('; ')}`;
    case 'wrong-status':
      return `wrong status ${decision.status}: ${decision.detail}`;
  }
}
