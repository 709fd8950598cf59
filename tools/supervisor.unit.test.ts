import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, nextRestartDelay } from './supervisor';

describe('nextRestartDelay', () => {
  it('given a first crash, when computing the delay, then restarts after the initial delay', () => {
    expect(nextRestartDelay(DEFAULT_BACKOFF, undefined, 500)).toBe(1_000);
  });

  it('given crashes in quick succession, when computing each delay, then it doubles up to the maximum', () => {
    const delays: number[] = [];
    let previous: number | undefined;
    for (let crash = 0; crash < 8; crash++) {
      previous = nextRestartDelay(DEFAULT_BACKOFF, previous, 2_000);
      delays.push(previous);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('given a process that stayed up longer than stableAfterMs, when it crashes, then the delay is back to the initial one', () => {
    expect(nextRestartDelay(DEFAULT_BACKOFF, 30_000, DEFAULT_BACKOFF.stableAfterMs)).toBe(1_000);
    expect(nextRestartDelay(DEFAULT_BACKOFF, 30_000, DEFAULT_BACKOFF.stableAfterMs - 1)).toBe(30_000);
  });
});
