import { inspect } from 'node:util';

export interface WaitOptions {
  /** How long the condition may take to hold (default 20 s): a bound on a hang, never a speed claim. */
  deadlineMs?: number;
  /** What is awaited, in words: it names the failure. */
  what?: string;
  /** Pause between two polls (default 100 ms). */
  intervalMs?: number;
}

/** The condition did not hold before the deadline; `lastValue`/`cause` is what the last poll saw. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(
    what: string,
    deadlineMs: number,
    readonly lastValue: unknown,
    cause?: unknown,
  ) {
    const seen = cause === undefined ? `last value: ${inspect(lastValue, { depth: 4, breakLength: Infinity })}` : `last error: ${cause instanceof Error ? cause.message : inspect(cause)}`;
    super(`waited ${deadlineMs} ms for ${what}; ${seen}`, { cause });
  }
}

type Held<T> = Exclude<T, false | null | undefined | 0 | ''>;

/**
 * Polls `condition` until it returns a truthy value (returned), or the deadline passes (thrown, with
 * the last value or error). A throw counts as "not yet"; a returned promise is awaited (to wait for a
 * promise to exist, return `promise !== undefined`). The one way a test waits: on a state it can
 * see, never a fixed sleep. `eventually` is the same poll for an assertion (it throws until it holds).
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<Held<T>> {
  return poll(async () => {
    const value = await condition();
    return value ? { held: true, value: value as Held<T> } : { held: false, value };
  }, options);
}

/** Retries an assertion (it throws until it passes) with the same deadline; the last failure is thrown. */
export async function eventually<T>(assertion: () => Promise<T> | T, options: WaitOptions & { timeoutMs?: number } = {}): Promise<T> {
  try {
    return await poll(async () => ({ held: true, value: await assertion() }), { deadlineMs: options.timeoutMs, ...options });
  } catch (error) {
    // The assertion's own message (expected/received) says more than the wrapper's.
    throw error instanceof WaitTimeoutError && error.cause !== undefined ? error.cause : error;
  }
}

async function poll<T>(attempt: () => Promise<{ held: boolean; value: unknown }>, options: WaitOptions): Promise<T> {
  const { deadlineMs = 20_000, intervalMs = 100, what = 'the condition' } = options;
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    let last: { value?: unknown; error?: unknown };
    try {
      const outcome = await attempt();
      if (outcome.held) return outcome.value as T;
      last = { value: outcome.value };
    } catch (error) {
      last = { error: error ?? new Error('thrown: undefined') };
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, deadlineMs, last.value, last.error);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
