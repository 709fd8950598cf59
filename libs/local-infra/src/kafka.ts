import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_INFRA_DIR, PORT_ENV, ports } from './paths';
import { provisionKafka } from './provision';
import { serviceDir, type Log, type Service } from './service';
import { requireJava, run } from './toolchain';
import { KAFKA_VERSION } from './versions';

const TEMPLATE = join(KAFKA_INFRA_DIR, 'server.properties.template');
const LOG4J_CONFIG = join(KAFKA_INFRA_DIR, 'log4j2.yaml');
const configFile = () => join(serviceDir('kafka'), 'server.properties');

export const kafka: Service = {
  name: 'kafka',
  label: 'Kafka',
  version: KAFKA_VERSION,
  port: () => ports().kafka,
  portEnv: PORT_ENV.kafka,
  // A cold JVM on a loaded 2-core machine once took 50 s to start (normally ~10 s): the wait is a cap, not a pace.
  readyTimeoutMs: 180_000,
  // A controlled shutdown (leadership handover, log flush) takes a few seconds.
  stopTimeoutMs: 20_000,

  /** Ready means the broker serves metadata, not merely that the port accepts connections. */
  async probe() {
    const admin = new Kafka({
      clientId: 'aap-infra-probe',
      brokers: [`127.0.0.1:${ports().kafka}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },

  commandMarker: configFile,

  async prepare(log) {
    const java = requireJava(); // first: no point provisioning jars that cannot run
    const libs = await provisionKafka(log);
    const dataDir = join(serviceDir('kafka'), 'data');
    await mkdir(dataDir, { recursive: true });
    await writeFile(configFile(), await renderKafkaConfig({ port: ports().kafka, controllerPort: ports().kafkaController, dataDir }));
    await formatKafkaStorage({ java, libs, config: configFile(), dataDir, log });
    return { command: java, args: kafkaBrokerArgs(libs, configFile()) };
  },
};

/** The JVM arguments every Kafka tool runs with: our logging and the provisioned jars on the classpath. */
function kafkaJvm(libs: string): string[] {
  // The JVM expands `dir/*` itself; it must reach it as a single argv element (we spawn without a shell).
  return [`-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, '-cp', join(libs, '*')];
}

/** What runs a broker on `config` (after `java`). */
export function kafkaBrokerArgs(libs: string, config: string): string[] {
  return ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', ...kafkaJvm(libs), 'kafka.Kafka', config];
}

/** Formats KRaft storage once (not when `dataDir` already holds it); `extraArgs` e.g. `--add-scram` users. */
export async function formatKafkaStorage(options: { java: string; libs: string; config: string; dataDir: string; log: Log; extraArgs?: string[] }): Promise<void> {
  if (existsSync(join(options.dataDir, 'meta.properties'))) return;
  options.log(`Kafka: formatting storage in ${options.dataDir}`);
  // A KRaft cluster id is a base64url-encoded 16-byte UUID.
  const clusterId = randomBytes(16).toString('base64url');
  // `--cluster-id=<id>` in one argument: one id in 64 starts with '-', which the tool would read as an option.
  await run(options.java, [...kafkaJvm(options.libs), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', options.config, ...(options.extraArgs ?? [])]);
}

/** infra/kafka/server.properties.template for a broker on these ports and this data directory. */
export async function renderKafkaConfig(options: { port: number; controllerPort: number; dataDir: string }): Promise<string> {
  const values: Record<string, string> = {
    KAFKA_PORT: String(options.port),
    CONTROLLER_PORT: String(options.controllerPort),
    LOG_DIR: options.dataDir,
  };
  return (await readFile(TEMPLATE, 'utf8')).replace(/\{\{(\w+)\}\}/g, (placeholder, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`Unknown placeholder ${placeholder} in ${TEMPLATE}`);
    return value;
  });
}
