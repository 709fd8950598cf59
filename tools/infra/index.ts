/**
 * Local Kafka (KRaft) and FerretDB without Docker, for `npm start` and the integration tests.
 * See infra/kafka/README.md, infra/ferretdb/README.md and `npm run infra -- help`.
 *
 * Environment (read at call time): AAP_INFRA_CACHE (provisioned binaries), AAP_INFRA_HOME
 * (runtime state), AAP_KAFKA_PORT, AAP_KAFKA_CONTROLLER_PORT, AAP_FERRETDB_PORT.
 */
import { ferretdb, mongoUri } from './ferretdb';
import { kafka } from './kafka';
import { ports } from './paths';
import { ensureDown, ensureUp, serviceStatus, settleAll, type Log, type Service, type ServiceName } from './service';

export { FERRETDB_VERSION, KAFKA_VERSION } from './versions';

export interface LocalInfra {
  kafkaBrokers: string;
  mongoUri: string;
  /** What this call started (false: it was already running). */
  started: { kafka: boolean; ferretdb: boolean };
}

const SERVICES: Service[] = [kafka, ferretdb];
const defaultLog: Log = (line) => console.log(`[infra] ${line}`);

/** Provisions what is missing, starts what is not running, and resolves once both answer. */
export async function upLocalInfra(opts: { log?: (line: string) => void } = {}): Promise<LocalInfra> {
  const log = opts.log ?? defaultLog;
  // In parallel: a cold provision (Maven + Go) or a JVM start should not wait for the other.
  const [kafkaStarted, ferretdbStarted] = await settleAll([ensureUp(kafka, log), ensureUp(ferretdb, log)]);
  return {
    kafkaBrokers: `127.0.0.1:${ports().kafka}`,
    mongoUri: mongoUri(),
    started: { kafka: kafkaStarted, ferretdb: ferretdbStarted },
  };
}

/** Stops what upLocalInfra started; services it did not start are left alone. */
export async function downLocalInfra(
  opts: { only?: Array<'kafka' | 'ferretdb'>; log?: (line: string) => void } = {},
): Promise<void> {
  const log = opts.log ?? defaultLog;
  const selected = SERVICES.filter((service) => !opts.only || opts.only.includes(service.name));
  await settleAll(selected.map((service) => ensureDown(service, log)));
}

export async function localInfraStatus(): Promise<
  Array<{ name: ServiceName; running: boolean; pid?: number; address: string; version: string }>
> {
  return Promise.all(SERVICES.map(serviceStatus));
}
