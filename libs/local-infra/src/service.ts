import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runHome } from './paths';
import { isPortOpen, livePid, logTail, runningCommand, spawnDetached, stopProcess, waitFor, withLock, type RunAs } from './processes';

export type ServiceName = 'kafka' | 'postgres' | 'ferretdb';
export type Log = (line: string) => void;

/** What kafka.ts, postgres.ts and ferretdb.ts describe; the lifecycle below is shared. */
export interface Service {
  name: ServiceName;
  label: string;
  version: string;
  port(): number;
  /** The environment variable that overrides port(), for error messages. */
  portEnv: string;
  /** Answers as this service right now (one quick attempt). */
  probe(): Promise<boolean>;
  /** A fragment of the command line unique to our process, to recognise it behind a pid file. */
  commandMarker(): string;
  /** Provisions if needed, prepares the runtime directory, returns what to spawn (and as whom). */
  prepare(log: Log): Promise<{ command: string; args: string[]; runAs?: RunAs }>;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
  /** The signal that asks for a clean shutdown (SIGTERM when not given). */
  stopSignal?: NodeJS.Signals;
}

/** <AAP_INFRA_HOME>/<service>: data, logs, pid file and rendered configuration. */
export const serviceDir = (name: ServiceName): string => join(runHome(), name);
const pidFile = (service: Service) => join(serviceDir(service.name), `${service.name}.pid`);
export const logFile = (name: ServiceName): string => join(serviceDir(name), `${name}.log`);
const address = (service: Service) => `127.0.0.1:${service.port()}`;

/** The pid of the service's process when it was started by aap-infra and still runs (undefined otherwise). */
export function servicePid(service: Service): Promise<number | undefined> {
  return livePid(pidFile(service), service.commandMarker());
}

/** Makes sure the service answers; returns whether this call started it. */
export async function ensureUp(service: Service, log: Log): Promise<boolean> {
  await mkdir(serviceDir(service.name), { recursive: true });
  return withLock(join(serviceDir(service.name), `${service.name}.lock`), () => startUnlessRunning(service, log));
}

async function startUnlessRunning(service: Service, log: Log): Promise<boolean> {
  const pid = await livePid(pidFile(service), service.commandMarker());
  if (await service.probe()) {
    const owner = pid ? `pid ${pid}` : 'not started by aap-infra';
    log(`${service.label} already running on ${address(service)} (${owner}), reusing it`);
    return false;
  }
  if (pid) {
    // Ours and alive but not answering (yet): e.g. an `up` interrupted while it was starting.
    log(`${service.label} (pid ${pid}) is starting, waiting for it`);
    await waitUntilReady(service, () => runningCommand(pid) !== undefined);
    return false;
  }
  if (await isPortOpen(service.port())) {
    throw new Error(
      `port ${service.port()} is taken by something that does not answer as ${service.label}: free it or set ${service.portEnv}`,
    );
  }

  const { command, args, runAs } = await service.prepare(log);
  const child = await spawnDetached(command, args, { logFile: logFile(service.name), pidFile: pidFile(service) }, runAs);
  const startedAt = Date.now();
  try {
    await waitUntilReady(service, () => child.exitCode === null && child.signalCode === null);
  } catch (error) {
    await stopProcess(child.pid!, service.stopTimeoutMs, service.stopSignal).catch(() => undefined);
    await rm(pidFile(service), { force: true });
    throw error;
  }
  log(`${service.label} ${service.version} started on ${address(service)} (pid ${child.pid}, ready in ${elapsed(startedAt)})`);
  return true;
}

async function waitUntilReady(service: Service, isProcessAlive: () => boolean): Promise<void> {
  const log = logFile(service.name);
  const ready = await waitFor(
    async () => {
      if (!isProcessAlive()) throw new Error(`${service.label} exited during startup; last lines of ${log}:\n${await logTail(log)}`);
      return service.probe();
    },
    { timeoutMs: service.readyTimeoutMs },
  );
  if (!ready) {
    const seconds = service.readyTimeoutMs / 1000;
    throw new Error(`${service.label} did not answer on ${address(service)} within ${seconds}s; last lines of ${log}:\n${await logTail(log)}`);
  }
}

/** Stops the service if we started it; anything else listening on its port is left alone. */
export async function ensureDown(service: Service, log: Log): Promise<void> {
  const pid = await livePid(pidFile(service), service.commandMarker());
  if (pid) {
    const stoppedAt = Date.now();
    const how = await stopProcess(pid, service.stopTimeoutMs, service.stopSignal);
    await rm(pidFile(service), { force: true });
    log(`${service.label} stopped (pid ${pid}, ${how === 'killed' ? 'killed after timeout' : 'clean shutdown'} in ${elapsed(stoppedAt)})`);
  } else if (await isPortOpen(service.port())) {
    log(`${service.label} on ${address(service)} was not started by aap-infra (no pid file in ${serviceDir(service.name)}), leaving it alone`);
  } else {
    log(`${service.label} is not running`);
  }
}

export async function serviceStatus(service: Service) {
  return {
    name: service.name,
    running: await service.probe(),
    pid: await livePid(pidFile(service), service.commandMarker()),
    address: address(service),
    version: service.version,
  };
}

const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/** Like Promise.all, but lets every operation finish and reports every failure, not just the first. */
export async function settleAll<T extends unknown[]>(operations: [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const results = await Promise.allSettled(operations);
  const failures: unknown[] = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new Error(failures.map((failure) => (failure instanceof Error ? failure.message : String(failure))).join('\n'));
  }
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as T;
}
