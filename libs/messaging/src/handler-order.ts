/**
 * The handlers of one event type and the order they declared. Handlers run side by side unless one
 * says it comes `after` others (by their names): it starts once every handler of that event it names
 * has succeeded. A name no handler of the event carries orders nothing for that event.
 */
export interface HandlerUnit<Run> {
  name: string | undefined;
  /** Names of the handlers of the same event that must have succeeded before this one starts. */
  after: readonly string[];
  run: Run;
  /** Resolved at start: the units of the same event this one waits for. */
  waitsFor: HandlerUnit<Run>[];
}

/**
 * Links each unit to the ones it waits for among `units` (one event type's) — those it names in
 * `after`, besides those it was given already (a consumer in registration order links each unit to
 * the one registered before it) — and refuses a cycle.
 */
export function resolveOrder<Run>(type: string, units: HandlerUnit<Run>[]): void {
  for (const unit of units) {
    const named = units.filter((other) => other !== unit && other.name !== undefined && unit.after.includes(other.name));
    unit.waitsFor = [...new Set([...unit.waitsFor, ...named])];
  }
  const state = new Map<HandlerUnit<Run>, 'visiting' | 'done'>();
  const visit = (unit: HandlerUnit<Run>) => {
    if (state.get(unit) === 'done') return;
    if (state.get(unit) === 'visiting') throw new Error(`the handlers of ${type} declare a cyclic order (through ${unit.name ?? 'an unnamed handler'})`);
    state.set(unit, 'visiting');
    unit.waitsFor.forEach(visit);
    state.set(unit, 'done');
  };
  units.forEach(visit);
}

/**
 * Runs every unit not in `done` yet, each as soon as the ones it waits for are done, side by side
 * otherwise. Adds each success to `done` (so that a retry runs only what is left). On a failure no
 * new unit starts; the ones running finish, then the first error is thrown.
 */
export async function runInOrder<Run>(units: readonly HandlerUnit<Run>[], done: Set<HandlerUnit<Run>>, start: (unit: HandlerUnit<Run>) => Promise<void>): Promise<void> {
  const running = new Map<HandlerUnit<Run>, Promise<void>>();
  let failure: { error: unknown } | undefined;
  for (;;) {
    if (!failure) {
      for (const unit of units) {
        if (done.has(unit) || running.has(unit) || !unit.waitsFor.every((before) => done.has(before) || !units.includes(before))) continue;
        running.set(
          unit,
          start(unit).then(
            () => {
              done.add(unit);
              running.delete(unit);
            },
            (error: unknown) => {
              running.delete(unit);
              failure ??= { error };
            },
          ),
        );
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure) throw failure.error;
}
