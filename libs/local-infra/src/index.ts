/**
 * Local Kafka (KRaft) and FerretDB on PostgreSQL (or on its embedded SQLite) without Docker, for
 * `npm start`, the integration tests and `npm run infra` (tools/infra/cli.ts).
 * See infra/kafka/README.md, infra/ferretdb/README.md and `npm run infra -- help`.
 *
 * Environment (read at call time): AAP_INFRA_CACHE (provisioned binaries), AAP_INFRA_HOME
 * (runtime state), AAP_KAFKA_PORT, AAP_KAFKA_CONTROLLER_PORT, AAP_POSTGRES_PORT, AAP_FERRETDB_PORT,
 * AAP_FERRETDB_BACKEND (postgresql, the default, or sqlite); for measuring only: AAP_FERRETDB_DEBUG_ADDR
 * (FerretDB's pprof server), AAP_POSTGRES_STATEMENTS (pg_stat_statements preloaded).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ferretdb, mongoUri } from './ferretdb';
import { kafka } from './kafka';
import { ferretdbBackend, ports, type FerretdbBackend } from './paths';
import { ensureGinCompanions } from './gin-companions';
import { postgres, postgresTarget } from './postgres';
import { withLock } from './processes';
import { provisionFerretdb, provisionKafka, provisionPostgres } from './provision';
import { ensureDown, ensureUp, logFile, serviceDir, servicePid, serviceStatus, settleAll, type Log, type Service, type ServiceName } from './service';

export { FERRETDB_VERSION, KAFKA_VERSION, postgresPackage } from './versions';
export { ferretdbBackend, type FerretdbBackend } from './paths';
export { freePort, isPortOpen, isProcessRunning } from './processes';
// For the other tools provisioned the same way (tools/setup/kubeconform.ts): cached per version, built atomically.
export { buildAtomically } from './provision';
export { cacheRoot } from './paths';
export { requireGo, run } from './toolchain';
export type { ServiceName } from './service';

export interface LocalInfra {
  kafkaBrokers: string;
  mongoUri: string;
  /** What FerretDB stores into (when this call started it; otherwise what it was asked for). */
  backend: FerretdbBackend;
  /** What this call started (false: it was already running, or not needed). */
  started: Record<ServiceName, boolean>;
}

/** In the order `status` lists them; FerretDB depends on PostgreSQL. */
const SERVICES: Service[] = [kafka, postgres, ferretdb];
export const SERVICE_NAMES: readonly ServiceName[] = SERVICES.map((service) => service.name);
const defaultLog: Log = (line) => console.log(`[infra] ${line}`);

/**
 * Provisions what is missing, starts what is not running, and resolves once everything answers.
 * When something fails to start, what this call started is stopped again before the error is thrown.
 */
export async function upLocalInfra(opts: { log?: Log } = {}): Promise<LocalInfra> {
  const log = opts.log ?? defaultLog;
  const started = new Set<ServiceName>();
  const up = async (service: Service) => {
    if (await ensureUp(service, log)) started.add(service.name);
  };
  const databaseUp = async () => {
    if (ferretdbBackend() === 'postgresql') {
      // A FerretDB that answers is reused as it is: its ping queries its backend, so that answers too.
      if (!(await ferretdb.probe())) await up(postgres);
      // Also on a reused PostgreSQL (made before this existed); skipped when it is not ours. The
      // lock keeps two concurrent `up`s from building (or dropping, if invalid) the same index.
      if (await postgres.probe()) {
        await mkdir(serviceDir('postgres'), { recursive: true });
        await withLock(join(serviceDir('postgres'), 'gin-companions.lock'), () => ensureGinCompanions(postgresTarget(), log));
      }
    }
    await up(ferretdb);
  };
  try {
    // In parallel: a cold provision (Maven + Go) or a JVM start should not wait for the database.
    await settleAll([up(kafka), databaseUp()]);
  } catch (error) {
    await stopInOrder([...started], log).catch(() => undefined);
    throw error;
  }
  return {
    kafkaBrokers: `127.0.0.1:${ports().kafka}`,
    mongoUri: mongoUri(),
    backend: ferretdbBackend(),
    started: Object.fromEntries(SERVICE_NAMES.map((name) => [name, started.has(name)])) as Record<ServiceName, boolean>,
  };
}

/**
 * Stops what upLocalInfra started; services it did not start are left alone. Stopping FerretDB
 * also stops the PostgreSQL under it: it serves nothing else, and callers that list what they
 * started as ['kafka', 'ferretdb'] stop everything they started.
 */
export async function downLocalInfra(opts: { only?: readonly ServiceName[]; log?: Log } = {}): Promise<void> {
  const only = opts.only ?? SERVICE_NAMES;
  await stopInOrder(only.includes('ferretdb') ? [...only, 'postgres'] : only, opts.log ?? defaultLog);
}

/** Kafka in parallel with FerretDB, then its PostgreSQL. */
async function stopInOrder(names: readonly ServiceName[], log: Log): Promise<void> {
  const stop = async (services: Service[]) => {
    for (const service of services.filter((candidate) => names.includes(candidate.name))) await ensureDown(service, log);
  };
  await settleAll([stop([kafka]), stop([ferretdb, postgres])]);
}

/** down, then deletes every service's runtime data (topics, databases, logs); provisioned binaries stay. */
export async function resetLocalInfra(opts: { log?: Log } = {}): Promise<void> {
  await downLocalInfra(opts);
  for (const name of SERVICE_NAMES) await rm(serviceDir(name), { recursive: true, force: true });
}

/** Only downloads/builds/copies the binaries into the cache; returns where each one is. */
export async function provisionLocalInfra(opts: { log?: Log } = {}): Promise<Record<ServiceName, string>> {
  const log = opts.log ?? defaultLog;
  const [kafkaLibs, postgresHome, ferretdbBinary] = await settleAll([provisionKafka(log), provisionPostgres(log), provisionFerretdb(log)]);
  return { kafka: kafkaLibs, postgres: postgresHome, ferretdb: ferretdbBinary };
}

export async function localInfraStatus(): Promise<
  Array<{ name: ServiceName; running: boolean; pid?: number; address: string; version: string }>
> {
  return Promise.all(SERVICES.map(serviceStatus));
}

/** Where each service logs (recreated at each start). */
export const localInfraLogFile = (name: ServiceName): string => logFile(name);
export * from './zipkin';

/**
 * Starts one service of the local infrastructure alone (on the ports of the AAP_*_PORT variables);
 * true when this call started it. A test that takes its own broker down and up again uses it.
 */
export async function upLocalService(name: ServiceName, opts: { log?: Log } = {}): Promise<boolean> {
  return ensureUp(serviceNamed(name), opts.log ?? defaultLog);
}

const serviceNamed = (name: ServiceName): Service => SERVICES.find((service) => service.name === name)!;

/**
 * What a supervisor needs to watch and restart one service of the local infrastructure (`npm start`):
 * its label, the pid of the process aap-infra started (undefined when it is not running, or not ours),
 * and how it is asked to stop.
 */
export function localServiceProcess(name: ServiceName): { label: string; pid: () => Promise<number | undefined>; stopSignal: NodeJS.Signals; stopTimeoutMs: number } {
  const service = serviceNamed(name);
  return { label: service.label, pid: () => servicePid(service), stopSignal: service.stopSignal ?? 'SIGTERM', stopTimeoutMs: service.stopTimeoutMs };
}

/** A broker of its own with a SASL_SSL (SCRAM-SHA-512) listener, for tests of the Kafka security settings. */
export { startSecureKafka, type SecureKafka, type SecureKafkaOptions } from './secure-kafka';

/** The local broker's SASL mode (`npm start`) and its principals; the broker probe both brokers share. */
export { KAFKA_SASL_ENV, localKafkaPrincipals, principalsFile as localKafkaPrincipalsFile } from './kafka';
export { ADMIN_USER, brokerAnswers } from './kafka-sasl';
