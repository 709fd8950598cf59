/**
 * Delay before the attempt that follows attempt number `attempt` (1-based): base × 2^(attempt−1),
 * capped — 1 s, 2 s, 4 s, 8 s… with the defaults. Deterministic, so a delivery's schedule can be
 * read from its log.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  // 2^31 is already far beyond any sensible cap: stop doubling there rather than overflow to Infinity.
  return Math.min(baseMs * 2 ** Math.min(attempt - 1, 31), maxMs);
}

/** What follows a failed attempt: another one at `nextAttemptAt`, or failed for good after the last allowed one. */
export function afterFailure(
  attempts: number,
  now: Date,
  policy: { maxAttempts: number; baseMs: number; maxMs: number },
  permanent = false,
): { status: 'failed' } | { status: 'pending'; nextAttemptAt: Date } {
  if (permanent || attempts >= policy.maxAttempts) return { status: 'failed' };
  return { status: 'pending', nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts, policy.baseMs, policy.maxMs)) };
}
