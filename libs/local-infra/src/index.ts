/**
 * Local Kafka (KRaft) and FerretDB on PostgreSQL (or on its embedded SQLite) without Docker, for
 * `npm start`, the integration tests and `npm run infra` (tools/infra/cli.ts).
 * See infra/kafka/README.md, infra/ferretdb/README.md and `npm run infra -- help`.
 *
 * Environment (read at call time): AAP_INFRA_CACHE (provisioned binaries), AAP_INFRA_HOME
 * (runtime state), AAP_KAFKA_PORT, AAP_KAFKA_CONTROLLER_PORT, AAP_POSTGRES_PORT, AAP_FERRETDB_PORT,
 * AAP_FERRETDB_BACKEND (postgresql, the default, or sqlite).
 */
import { rm } from 'node:fs/promises';
import { ferretdb, mongoUri } from './ferretdb';
import { kafka } from './kafka';
import { ferretdbBackend, ports, type FerretdbBackend } from './paths';
import { postgres } from './postgres';
import { provisionFerretdb, provisionKafka, provisionPostgres } from './provision';
import { ensureDown, ensureUp, logFile, serviceDir, serviceStatus, settleAll, type Log, type Service, type ServiceName } from './service';

export { FERRETDB_VERSION, KAFKA_VERSION, postgresPackage } from './versions';
export { ferretdbBackend, type FerretdbBackend } from './paths';
export { freePort, isPortOpen } from './processes';
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

/** Provisions what is missing, starts what is not running, and resolves once everything answers. */
export async function upLocalInfra(opts: { log?: Log } = {}): Promise<LocalInfra> {
  const log = opts.log ?? defaultLog;
  // In parallel: a cold provision (Maven + Go) or a JVM start should not wait for the database.
  const [kafkaStarted, database] = await settleAll([ensureUp(kafka, log), ensureDatabaseUp(log)]);
  return {
    kafkaBrokers: `127.0.0.1:${ports().kafka}`,
    mongoUri: mongoUri(),
    backend: ferretdbBackend(),
    started: { kafka: kafkaStarted, ...database },
  };
}

async function ensureDatabaseUp(log: Log): Promise<{ postgres: boolean; ferretdb: boolean }> {
  // A FerretDB that answers is reused as it is: its ping queries its backend, so that answers too.
  const needsPostgres = ferretdbBackend() === 'postgresql' && !(await ferretdb.probe());
  const postgresStarted = needsPostgres ? await ensureUp(postgres, log) : false;
  return { postgres: postgresStarted, ferretdb: await ensureUp(ferretdb, log) };
}

/**
 * Stops what upLocalInfra started (FerretDB before its PostgreSQL); services it did not start are
 * left alone. Stopping FerretDB also stops the PostgreSQL under it: it serves nothing else, and
 * callers that list what they started as ['kafka', 'ferretdb'] stop everything they started.
 */
export async function downLocalInfra(opts: { only?: readonly ServiceName[]; log?: Log } = {}): Promise<void> {
  const log = opts.log ?? defaultLog;
  const only = opts.only?.includes('ferretdb') ? [...opts.only, 'postgres'] : opts.only;
  const selected = (service: Service) => !only || only.includes(service.name);
  const stopInOrder = async (services: Service[]) => {
    for (const service of services.filter(selected)) await ensureDown(service, log);
  };
  await settleAll([stopInOrder([kafka]), stopInOrder([ferretdb, postgres])]);
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
