import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** An unprivileged identity for a child process (PostgreSQL refuses to run as root). */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * The command line of a running process, or undefined when it is gone. Zombies count as gone:
 * a detached service outlives the CLI that spawned it and is re-parented to PID 1, which in some
 * containers never reaps, so `kill -0` alone would report a stopped service as alive forever.
 */
export function runningCommand(pid: number): string | undefined {
  return existsSync('/proc/self/stat') ? procCommand(pid) : psCommand(pid);
}

/** Whether the process still runs (a zombie does not). */
export function isProcessRunning(pid: number): boolean {
  return runningCommand(pid) !== undefined;
}

function procCommand(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Format: "<pid> (<comm>) <state> ..."; comm may contain spaces and parentheses.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** macOS and other systems without procfs. */
function psCommand(pid: number): string | undefined {
  const result = spawnSync('ps', ['-ww', '-o', 'stat=', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  const match = result.status === 0 ? /^\s*(\S+)\s+(.*)$/s.exec(result.stdout) : null;
  if (!match || match[1]!.startsWith('Z')) return undefined;
  return match[2]!.trim();
}

/**
 * The pid recorded in a pid file if that process is still ours; otherwise the stale file is
 * deleted. `marker` is a fragment of our command line, so a pid recycled by an unrelated
 * process is never mistaken for ours (and never signalled).
 */
export async function livePid(pidFile: string, marker: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    await rm(pidFile, { force: true });
    return undefined;
  }
  if (runningCommand(pid)?.includes(marker)) return pid;
  await rm(pidFile, { force: true });
  return undefined;
}

/**
 * Starts a long-lived process that outlives this Node process: own process group (so a Ctrl-C
 * in the terminal that ran `npm run infra -- up` does not reach it), output to a log file that is
 * truncated at each start (so its tail is about this run), pid file written once it spawned.
 */
export async function spawnDetached(
  command: string,
  args: string[],
  files: { logFile: string; pidFile: string },
  runAs?: RunAs,
): Promise<ChildProcess> {
  const log = openSync(files.logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], ...runAs });
  } finally {
    closeSync(log); // the child has its own copy of the descriptor
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await writeFile(files.pidFile, `${child.pid}\n`);
  child.unref();
  return child;
}

/**
 * Runs `action` holding an exclusive lock file, so that two concurrent `up`s (say `npm start` and
 * the integration tests) do not both start the same service. A lock whose holder died is taken over.
 */
export async function withLock<T>(lockFile: string, action: () => Promise<T>): Promise<T> {
  if (!(await waitFor(() => tryLock(lockFile), { timeoutMs: 10 * 60_000, intervalMs: 500 }))) {
    throw new Error(`timed out waiting for ${lockFile} (held by pid ${(await readFile(lockFile, 'utf8').catch(() => '?')).trim()})`);
  }
  try {
    return await action();
  } finally {
    await rm(lockFile, { force: true });
  }
}

async function tryLock(lockFile: string): Promise<boolean> {
  // link() fails if the lock exists, and unlike open(wx) publishes it with its content already written.
  const claim = `${lockFile}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(claim, `${process.pid}\n`);
  try {
    await link(claim, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (runningCommand(holder) === undefined) await rm(lockFile, { force: true });
    return false;
  } finally {
    await rm(claim, { force: true });
  }
}

/** `stopSignal` (SIGTERM by default), wait for the process to exit, SIGKILL if it has not after `timeoutMs`. */
export async function stopProcess(
  pid: number,
  timeoutMs: number,
  stopSignal: NodeJS.Signals = 'SIGTERM',
): Promise<'terminated' | 'killed'> {
  const gone = () => runningCommand(pid) === undefined;
  signal(pid, stopSignal);
  if (await waitFor(gone, { timeoutMs })) return 'terminated';
  signal(pid, 'SIGKILL');
  if (await waitFor(gone, { timeoutMs: 5_000 })) return 'killed';
  throw new Error(`process ${pid} survived SIGKILL`);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Polls `condition` until it holds (true) or `timeoutMs` elapses (false). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs, intervalMs = 250 }: { timeoutMs: number; intervalMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** Whether anything accepts TCP connections on 127.0.0.1:`port`. */
export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host, timeout: 1_000 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

export async function logTail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n') || '(empty log)';
}

/** A TCP port free on loopback right now, chosen by the kernel (for tests and containers that need their own). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
