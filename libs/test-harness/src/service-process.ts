import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ServiceName } from '@aap/contracts';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ServiceProcess {
  url: string;
  process: ChildProcess;
  /** Resolves with the exit code, or the signal that ended the process. */
  exited: Promise<number | NodeJS.Signals | null>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

/**
 * Runs a service's real entry point (apps/<name>-service/src/main.ts) as a child process, as in
 * production, and waits until it logs that it listens. Used where a test must kill a process.
 */
export async function startServiceProcess(
  service: ServiceName,
  env: Record<string, string>,
  options: { waitForListening?: boolean; timeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const { waitForListening = true, timeoutMs = 60_000 } = options;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repositoryRoot, `apps/${service}-service/src/main.ts`)], {
    cwd: repositoryRoot,
    // At info at least: the "listening" line is how readiness of the child is detected.
    env: { ...process.env, ...env, LOG_LEVEL: env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace' ? env.LOG_LEVEL : 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));

  let url = '';
  if (waitForListening) {
    const deadline = Date.now() + timeoutMs;
    let exitedEarly = false;
    void exited.then(() => (exitedEarly = true));
    while (!url) {
      const match = /"url":"(http:\/\/[^"]+)".*listening/.exec(output);
      if (match) url = match[1]!;
      else if (exitedEarly) throw new Error(`${service} exited before listening:\n${output.slice(-3000)}`);
      else if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${service} did not listen within ${timeoutMs} ms:\n${output.slice(-3000)}`);
      } else await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    url,
    process: child,
    exited,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
