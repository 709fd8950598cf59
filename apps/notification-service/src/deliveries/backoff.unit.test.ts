import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { afterFailure, retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  it('given the defaults, doubles from 1 s and stops at the cap', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, 1_000, 10_000))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000]);
  });

  it('never exceeds the cap and never decreases, even for absurd attempt numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 3_600_000 }), (attempt, base, max) => {
        const delay = retryDelayMs(attempt, base, max);
        expect(delay).toBeLessThanOrEqual(max);
        expect(Number.isFinite(delay)).toBe(true);
        expect(retryDelayMs(attempt + 1, base, max)).toBeGreaterThanOrEqual(delay);
      }),
    );
  });

  it('refuses attempt 0', () => {
    expect(() => retryDelayMs(0, 1_000, 10_000)).toThrow(RangeError);
  });
});

describe('afterFailure', () => {
  const policy = { maxAttempts: 3, baseMs: 1_000, maxMs: 60_000 };
  const now = new Date('2026-03-01T10:00:00Z');

  it('schedules the next attempt after the backoff while attempts remain', () => {
    expect(afterFailure(1, now, policy)).toEqual({ status: 'pending', nextAttemptAt: new Date('2026-03-01T10:00:01Z') });
    expect(afterFailure(2, now, policy)).toEqual({ status: 'pending', nextAttemptAt: new Date('2026-03-01T10:00:02Z') });
  });

  it('fails for good after the last attempt, or at once for a permanent error', () => {
    expect(afterFailure(3, now, policy)).toEqual({ status: 'failed' });
    expect(afterFailure(1, now, policy, true)).toEqual({ status: 'failed' });
  });
});
