import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { startServiceProcess, useTestEnvironment, waitFor } from '@aap/test-harness';
import { supervise, type Crash } from './supervisor';

/** A TCP port free right now: the restarted service must come back on the same address. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

async function readiness(url: string): Promise<number | string> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('supervisor', () => {
  const environment = useTestEnvironment();

  it('given a real service under supervision, when it is killed with SIGKILL, then it is restarted and answers /health/ready again by itself', async () => {
    const port = await freePort();
    const ready = `http://127.0.0.1:${port}/health/ready`;
    const lines: string[] = [];
    const supervisor = await supervise({
      name: 'submission',
      start: async () => {
        const env = environment.envFor('submission', { PORT: String(port), AAP_DEV_MODE: 'true' });
        return (await startServiceProcess('submission', env, { waitForListening: false })).process;
      },
      backoff: { initialDelayMs: 200 },
      log: (line) => lines.push(line),
    });
    try {
      await waitFor(async () => (await readiness(ready)) === 200, { deadlineMs: 60_000, intervalMs: 250, what: 'the supervised service ready' });
      const killed = supervisor.child;
      killed.kill('SIGKILL');

      await waitFor(() => supervisor.crashes === 1, { what: 'the crash seen by the supervisor' });
      expect(lines).toContainEqual(expect.stringMatching(/^submission stopped unexpectedly \(SIGKILL\) after .*: restarting it in 0\.2 s$/));
      await waitFor(async () => (await readiness(ready)) === 200, { deadlineMs: 60_000, intervalMs: 250, what: 'the restarted service ready' });
      expect(supervisor.child.pid).not.toBe(killed.pid);
      expect(lines).toContainEqual(`submission restarted (pid ${supervisor.child.pid}, restart 1)`);
    } finally {
      await supervisor.stop();
    }

    // Stopped on purpose: not a crash, not restarted. stop() resolved once it saw the exit, after the
    // supervisor's own exit watch (registered first) had seen it too: that was the moment to count a crash.
    expect(supervisor.child.exitCode ?? supervisor.child.signalCode).not.toBeNull();
    expect(supervisor.crashes).toBe(1);
    expect(await readiness(ready)).not.toBe(200);
  });

  it('given a process that keeps crashing at once, when supervised, then each restart waits twice as long, capped, and a stop makes the pending restart start nothing', async () => {
    const startedAt: number[] = [];
    const crashes: Crash[] = [];
    const MAX_DELAY_MS = 400;
    let stopped: Promise<void> | undefined;
    // The restart the supervisor schedules as it reports the 5th crash (after the stop): the test waits for it to run.
    const realSetTimeout = globalThis.setTimeout;
    let pendingRestartRan: Promise<void> | undefined;
    const timers = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
      if (!stopped || pendingRestartRan || ms !== MAX_DELAY_MS) return realSetTimeout(callback, ms);
      let ran!: () => void;
      pendingRestartRan = new Promise<void>((resolve) => (ran = resolve));
      return realSetTimeout(() => {
        callback();
        ran();
      }, ms);
    }) as unknown as typeof setTimeout);
    try {
      const supervisor = await supervise({
        name: 'crasher',
        start: () => {
          startedAt.push(Date.now());
          return spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
        },
        backoff: { initialDelayMs: 100, maxDelayMs: MAX_DELAY_MS },
        log: () => undefined,
        onCrash: (crash) => {
          crashes.push(crash);
          // Stopped as its 5th crash is reported, just before its restart is scheduled.
          if (crash.crashes === 5) stopped = supervisor.stop();
        },
      });
      await waitFor(() => pendingRestartRan !== undefined, { deadlineMs: 15_000, what: 'the 5th crash, the stop, and the restart then scheduled' });
      await stopped;
      await pendingRestartRan;
    } finally {
      timers.mockRestore();
    }

    expect(crashes.map((crash) => [crash.exit, crash.restartInMs])).toEqual([[3, 100], [3, 200], [3, 400], [3, 400], [3, 400]]);
    // Between two starts: the process's own short life, then the backoff.
    startedAt.slice(1, 5).forEach((time, index) => expect(time - startedAt[index]!).toBeGreaterThanOrEqual(crashes[index]!.restartInMs));
    // The restart pending at the stop has run: it started nothing.
    expect(startedAt).toHaveLength(5);
  });
});
