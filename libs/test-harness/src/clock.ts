/**
 * A clock a test moves (a service started with `{ clock: clock.now }` reads it): the real time until
 * `set`, then the instant set, running on from there at the real pace.
 */
export interface MovableClock {
  now: () => Date;
  /** From now on the clock reads `instant`, then runs on from it. */
  set(instant: string | Date): void;
}

export function movableClock(): MovableClock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    set: (instant) => void (offsetMs = new Date(instant).getTime() - Date.now()),
  };
}
