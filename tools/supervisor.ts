/**
 * Keeps a process running: when it exits on its own (a crash, `kill -9`), it is started again after
 * a backoff delay, and the crash and the restart are reported. Used by `npm start` for the four
 * services, the trace viewer, the mail catcher, and Kafka, PostgreSQL and FerretDB (local-infra
 * starts those detached, with a pid file: they are watched by pid, see watchPid), so one dead process
 * never takes the platform down.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

/** What the supervisor needs of a process: a child process, or one watched by its pid (watchPid). */
export interface SupervisedProcess {
  readonly pid?: number;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * A process that is not our child (started detached by an earlier call, or by another program),
 * watched by polling whether its pid still runs it (`isAlive`): 'exit' is emitted once it does not.
 * Its exit code is unknown (null): `signalCode` says SIGKILL when it was gone without our asking.
 */
export function watchPid(pid: number, isAlive: (pid: number) => boolean, intervalMs = 500): SupervisedProcess {
  const events = new EventEmitter();
  let signalCode: NodeJS.Signals | null = null;
  let gone = false;
  let sent: NodeJS.Signals | undefined;
  const poll = setInterval(() => {
    if (isAlive(pid)) return;
    clearInterval(poll);
    gone = true;
    signalCode = sent ?? 'SIGKILL';
    events.emit('exit', null, signalCode);
  }, intervalMs);
  poll.unref();
  return {
    pid,
    get exitCode() {
      return null;
    },
    get signalCode() {
      return gone ? signalCode : null;
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      try {
        process.kill(pid, signal);
        sent = signal;
        return true;
      } catch {
        return false;
      }
    },
    once(event: 'exit' | 'error', listener: (...args: any[]) => void) {
      return events.once(event, listener);
    },
  };
}

export interface BackoffPolicy {
  /** Delay before the first restart, doubled at each crash that follows quickly. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A process that stayed up this long is considered healthy again: its next crash restarts after initialDelayMs. */
  stableAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 60_000 };

/** The delay before the next restart, given the previous one (undefined: first crash) and how long the process stayed up. */
export function nextRestartDelay(policy: BackoffPolicy, previousDelayMs: number | undefined, uptimeMs: number): number {
  if (previousDelayMs === undefined || uptimeMs >= policy.stableAfterMs) return policy.initialDelayMs;
  return Math.min(previousDelayMs * 2, policy.maxDelayMs);
}

export interface Crash {
  /** Exit code, or the signal that ended the process. */
  exit: number | NodeJS.Signals | null;
  uptimeMs: number;
  restartInMs: number;
  /** How many crashes so far, this one included. */
  crashes: number;
}

export interface SupervisorOptions<P extends SupervisedProcess = ChildProcess> {
  name: string;
  /** Starts one instance of the process (called again at each restart). */
  start: () => P | Promise<P>;
  backoff?: Partial<BackoffPolicy>;
  log?: (line: string) => void;
  onCrash?: (crash: Crash) => void;
  /** Called with each restarted instance (e.g. to report when it answers again). */
  onRestart?: (child: P) => void;
  /** How long stop() waits after stopSignal before SIGKILL. */
  stopTimeoutMs?: number;
  /** The signal that asks the process to stop cleanly (SIGTERM by default; PostgreSQL's fast shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals;
}

export interface Supervisor<P extends SupervisedProcess = ChildProcess> {
  /** The instance running now (or the last one, while a restart is pending). */
  readonly child: P;
  readonly crashes: number;
  /** Stops supervising, then the process: stopSignal, SIGKILL after stopTimeoutMs. Resolves once it exited. */
  stop(): Promise<void>;
  /** Stops supervising and leaves the process running (whoever started it stops it in its own way). */
  release(): Promise<void>;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

function isRunning(child: SupervisedProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resolves with the exit code or signal once the process ended (at once if it already had). */
function exitOf(child: SupervisedProcess): Promise<number | NodeJS.Signals | null> {
  if (!isRunning(child)) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? code));
    // A process that could not be spawned at all emits 'error' and never 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) resolve(null);
    });
  });
}

export async function supervise<P extends SupervisedProcess = ChildProcess>(options: SupervisorOptions<P>): Promise<Supervisor<P>> {
  const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const log = options.log ?? ((line: string) => console.log(line));
  const { name, stopTimeoutMs = 15_000, stopSignal = 'SIGTERM' } = options;
  let child = await options.start();
  let crashes = 0;
  let previousDelayMs: number | undefined;
  let stopping = false;
  let pendingRestart: NodeJS.Timeout | undefined;
  let startingNow: Promise<P> | undefined;

  const watch = (instance: P) => {
    const startedAt = Date.now();
    void exitOf(instance).then((exit) => {
      if (stopping) return;
      const uptimeMs = Date.now() - startedAt;
      previousDelayMs = nextRestartDelay(policy, previousDelayMs, uptimeMs);
      crashes += 1;
      const crash: Crash = { exit, uptimeMs, restartInMs: previousDelayMs, crashes };
      log(`${name} stopped unexpectedly (${typeof exit === 'string' ? exit : `exit code ${exit}`}) after ${seconds(uptimeMs)}: restarting it in ${seconds(previousDelayMs)}`);
      options.onCrash?.(crash);
      pendingRestart = setTimeout(() => void restart(), previousDelayMs);
    });
  };

  const restart = async () => {
    pendingRestart = undefined;
    if (stopping) return;
    startingNow = Promise.resolve().then(options.start);
    try {
      child = await startingNow;
    } catch (error) {
      // Counts as a crash of an instance that never ran: same backoff, next attempt later.
      if (stopping) return;
      log(`${name} could not be started: ${(error as Error).message}`);
      previousDelayMs = nextRestartDelay(policy, previousDelayMs, 0);
      pendingRestart = setTimeout(() => void restart(), previousDelayMs);
      return;
    } finally {
      startingNow = undefined;
    }
    if (stopping) return; // stop() waited for this start and stops the new instance itself
    log(`${name} restarted (pid ${child.pid}, restart ${crashes})`);
    watch(child);
    options.onRestart?.(child);
  };

  watch(child);

  const release = async () => {
    stopping = true;
    clearTimeout(pendingRestart);
    await startingNow?.catch(() => undefined);
  };
  return {
    get child() {
      return child;
    },
    get crashes() {
      return crashes;
    },
    release,
    async stop() {
      await release();
      if (!isRunning(child) || child.pid === undefined) return;
      const exited = exitOf(child);
      child.kill(stopSignal);
      const killer = setTimeout(() => {
        log(`${name} did not stop within ${seconds(stopTimeoutMs)}: killing it`);
        child.kill('SIGKILL');
      }, stopTimeoutMs);
      await exited;
      clearTimeout(killer);
    },
  };
}
