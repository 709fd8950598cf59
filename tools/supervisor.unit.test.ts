import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_BACKOFF, nextRestartDelay, supervise, watchPid } from './supervisor';

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

describe('watchPid (a process that is not our child, watched by its pid)', () => {
  it('given the pid no longer running, when the next poll comes, then exit is emitted once and the supervisor restarts it', async () => {
    vi.useFakeTimers();
    try {
      const alive = new Set<number>();
      let nextPid = 101;
      const log: string[] = [];
      const supervisor = await supervise({
        name: 'PostgreSQL',
        start: () => {
          const pid = nextPid++;
          alive.add(pid);
          return watchPid(pid, (candidate) => alive.has(candidate), 500);
        },
        log: (line) => log.push(line),
      });
      expect(supervisor.child.pid).toBe(101);
      expect(supervisor.child.signalCode).toBeNull();

      alive.delete(101); // gone without our asking: a kill -9, a crash
      await vi.advanceTimersByTimeAsync(500);
      expect(supervisor.crashes).toBe(1);
      expect(log).toEqual(['PostgreSQL stopped unexpectedly (SIGKILL) after 0.5 s: restarting it in 1.0 s']);

      await vi.advanceTimersByTimeAsync(1_000);
      expect(supervisor.child.pid).toBe(102);
      expect(log.at(-1)).toBe('PostgreSQL restarted (pid 102, restart 1)');
      await supervisor.release();
    } finally {
      vi.useRealTimers();
    }
  });
});
