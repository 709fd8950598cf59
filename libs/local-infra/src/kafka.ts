import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SERVICE_NAMES } from '@aap/contracts';
import { KAFKA_INFRA_DIR, PORT_ENV, ports } from './paths';
import { ADMIN_USER, brokerAnswers, BROKER_USER, saslBrokerConfig, scramUsersFormatArgs } from './kafka-sasl';
import { provisionKafka } from './provision';
import { serviceDir, type Log, type Service } from './service';
import { requireJava, run } from './toolchain';
import { KAFKA_VERSION } from './versions';

const TEMPLATE = join(KAFKA_INFRA_DIR, 'server.properties.template');
const LOG4J_CONFIG = join(KAFKA_INFRA_DIR, 'log4j2.yaml');

/**
 * `npm start` sets it to true: the local broker's client listener is then SASL_PLAINTEXT (SCRAM-SHA-512,
 * loopback only) with ACLs on, from its own data directory and configuration. Unset (`npm run infra`,
 * the test harness), the broker stays PLAINTEXT without ACLs.
 */
export const KAFKA_SASL_ENV = 'AAP_KAFKA_SASL';
const saslRequested = () => process.env[KAFKA_SASL_ENV] === 'true';
/** The secured broker keeps its data apart: a storage is formatted once, with or without SCRAM users. */
const kafkaHome = () => (saslRequested() ? join(serviceDir('kafka'), 'sasl') : serviceDir('kafka'));
const configFile = () => join(kafkaHome(), 'server.properties');
/** Where the secured local broker's passwords are kept (mode 0600). */
export const principalsFile = (): string => join(serviceDir('kafka'), 'sasl', 'principals.json');

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
    const brokers = `127.0.0.1:${ports().kafka}`;
    if (!saslRequested()) return brokerAnswers({ brokers });
    return brokerAnswers({ brokers, sasl: { mechanism: 'scram-sha-512', username: ADMIN_USER, password: (await localKafkaPrincipals())[ADMIN_USER]! } });
  },

  commandMarker: configFile,

  async prepare(log) {
    const java = requireJava(); // first: no point provisioning jars that cannot run
    const libs = await provisionKafka(log);
    const home = kafkaHome();
    const dataDir = join(home, 'data');
    await mkdir(dataDir, { recursive: true });
    const template = await renderKafkaConfig({ port: ports().kafka, controllerPort: ports().kafkaController, dataDir });
    if (!saslRequested()) {
      await writeFile(configFile(), template);
      await formatKafkaStorage({ java, libs, config: configFile(), dataDir, log });
      return { command: java, args: kafkaBrokerArgs(libs, configFile()) };
    }
    if (existsSync(join(dataDir, 'meta.properties')) && !existsSync(principalsFile())) {
      throw new Error(`${dataDir} was formatted with SCRAM users whose passwords ${principalsFile()} no longer holds: delete ${home} (its topics go with it)`);
    }
    const principals = await localKafkaPrincipals();
    const sasl = saslBrokerConfig({ protocol: 'SASL_PLAINTEXT', port: ports().kafka, controllerPort: ports().kafkaController, brokerPassword: principals[BROKER_USER]!, authorize: true });
    await writeFile(configFile(), `${template}\n# SASL with ACLs (${KAFKA_SASL_ENV}=true)\n${sasl.join('\n')}\n`, { mode: 0o600 });
    await formatKafkaStorage({ java, libs, config: configFile(), dataDir, log, extraArgs: scramUsersFormatArgs(principals) });
    return { command: java, args: kafkaBrokerArgs(libs, configFile()) };
  },
};

/**
 * The SCRAM users of the secured local broker and their passwords (the broker, the administrator and
 * one per service): made at the first start, kept readable by this user only under the infra home
 * (never in the repository), and the same at every start since the storage holds them.
 */
export async function localKafkaPrincipals(): Promise<Record<string, string>> {
  const file = principalsFile();
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  const principals = Object.fromEntries([BROKER_USER, ADMIN_USER, ...SERVICE_NAMES].map((user) => [user, randomBytes(18).toString('base64url')]));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(principals, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return principals;
}

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
