/**
 * npm start: the whole platform on one machine.
 * Starts Kafka and FerretDB on PostgreSQL (@aap/local-infra) unless KAFKA_BROKERS and MONGODB_URI are
 * set (Kafka with SASL/SCRAM and the ACLs of production: each service connects as its own principal),
 * a mail catcher, a trace viewer (Zipkin), then the four services. Every one of these processes
 * is supervised: one that dies is restarted with backoff while the rest keeps running, and the
 * services, which answer 503 meanwhile, come back by themselves. Prints the URLs once every
 * service answers ready; on Ctrl-C stops the services, then what it started itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SERVICE_NAMES, type ServiceName } from '@aap/contracts';
import { resolveAuthOptions } from '@aap/http';
import { Kafka, logLevel } from 'kafkajs';
import { ADMIN_USER, downLocalInfra, isPortOpen, KAFKA_SASL_ENV, localKafkaPrincipals, localKafkaPrincipalsFile, upLocalInfra } from '@aap/local-infra';
import { provisionBroker } from '@aap/messaging';
import { superviseLocalInfra } from './infra-supervision';
import { chosenMetricsPort, metricsPortOf, portOf } from './ports';
import { seedDemo } from './seed-demo';
import { supervise, type Supervisor } from './supervisor';
import {
  provisionZipkin, spawnZipkin, waitForZipkin, zipkinAnswers, zipkinLogFile, zipkinPortConflict, zipkinSpansEndpoint, zipkinUiUrl,
} from '@aap/local-infra';

const READY_TIMEOUT_MS = 90_000;
const MAIL_SMTP_PORT = Number(process.env.MAILDEV_SMTP_PORT ?? 1025);
const MAIL_WEB_PORT = Number(process.env.MAILDEV_WEB_PORT ?? 1080);
const say = (line: string) => console.log(`[start] ${line}`);

interface Infra {
  kafkaBrokers: string;
  mongoUri: string;
  /** Each service's Kafka principal (KAFKA_SASL_*), when the broker is the local one with ACLs. */
  kafkaEnvOf(service: ServiceName): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

async function provideInfra(): Promise<Infra> {
  const { KAFKA_BROKERS, MONGODB_URI } = process.env;
  if (KAFKA_BROKERS && MONGODB_URI) {
    say(`using KAFKA_BROKERS=${KAFKA_BROKERS} and MONGODB_URI from the environment (nothing started)`);
    return { kafkaBrokers: KAFKA_BROKERS, mongoUri: MONGODB_URI, kafkaEnvOf: () => ({}), stop: async () => {} };
  }
  // The local broker with SASL/SCRAM and the ACLs of production (AAP_KAFKA_SASL=false: PLAINTEXT, no ACLs).
  process.env[KAFKA_SASL_ENV] ??= 'true';
  const infra = await upLocalInfra({ log: (line) => say(line) });
  const started = (['kafka', 'ferretdb'] as const).filter((name) => infra.started[name]);
  // Supervision: Kafka, PostgreSQL and FerretDB restarted when they die (tools/infra-supervision.ts).
  const supervisors = await superviseLocalInfra({ log: say });
  const stop = async () => {
    // Released, not stopped: local-infra stops what this run started, in order (FerretDB, then its PostgreSQL).
    await Promise.all(supervisors.map((supervisor) => supervisor.release()));
    if (started.length > 0) await downLocalInfra({ only: [...started], log: (line) => say(line) });
  };
  if (process.env[KAFKA_SASL_ENV] !== 'true') return { ...infra, kafkaEnvOf: () => ({}), stop };
  try {
    const principals = await localKafkaPrincipals();
    await provisionLocalBroker(infra.kafkaBrokers, principals[ADMIN_USER]!);
    say(`Kafka: SASL/SCRAM-SHA-512 with ACLs, one principal per service (passwords in ${localKafkaPrincipalsFile()})`);
    return {
      ...infra,
      kafkaEnvOf: (service) => ({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: service, KAFKA_SASL_PASSWORD: principals[service] }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** As the administrator: every topic of the catalogue and every dead-letter topic, and the services' ACLs. */
async function provisionLocalBroker(brokers: string, adminPassword: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'aap-start', brokers: [brokers], sasl: { mechanism: 'scram-sha-512', username: ADMIN_USER, password: adminPassword }, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await provisionBroker(admin, {
      prefix: process.env.KAFKA_TOPIC_PREFIX ?? 'aap',
      partitions: Number(process.env.KAFKA_TOPIC_PARTITIONS ?? 3),
      replicationFactor: -1,
    });
  } finally {
    await admin.disconnect();
  }
}

/** A local mail catcher (SMTP 1025, web UI 1080), supervised, unless SMTP_HOST points at a real server. */
async function startMailCatcher(): Promise<{ stop(): Promise<void> } | undefined> {
  if (process.env.SMTP_HOST) {
    say(`using SMTP_HOST=${process.env.SMTP_HOST} from the environment (no mail catcher started)`);
    return undefined;
  }
  for (const port of [MAIL_SMTP_PORT, MAIL_WEB_PORT]) {
    if (await isPortOpen(port)) throw new Error(`the mail catcher cannot listen on port ${port}: it is taken; set MAILDEV_SMTP_PORT/MAILDEV_WEB_PORT, or SMTP_HOST`);
  }
  const env = { ...process.env, MAILDEV_SMTP_PORT: String(MAIL_SMTP_PORT), MAILDEV_WEB_PORT: String(MAIL_WEB_PORT) };
  const mail = await supervise({ name: 'mail catcher', start: () => spawnLabelled('mail', 'tools/mail-catcher.ts', env), log: say });
  // Last resort if this process dies of an error: the detached mail catcher must not keep its ports.
  process.on('exit', () => mail.child.kill('SIGTERM'));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await isPortOpen(MAIL_SMTP_PORT))) {
    if (mail.crashes > 0 || Date.now() > deadline) {
      await mail.stop();
      throw new Error('the mail catcher did not start (its output is above)');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { stop: () => mail.stop() };
}

interface TraceViewer {
  spansEndpoint: string;
  stop(): Promise<void>;
}

/**
 * Zipkin on 127.0.0.1:9411 (supervised like the services), unless spans already go elsewhere
 * (OTEL_EXPORTER_OTLP_ENDPOINT) or AAP_TRACE_VIEWER=false. Optional: without Java or Maven the
 * platform starts without it.
 */
async function startTraceViewer(): Promise<TraceViewer | undefined> {
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    say(`spans go to OTEL_EXPORTER_OTLP_ENDPOINT=${process.env.OTEL_EXPORTER_OTLP_ENDPOINT} (no trace viewer started)`);
    return undefined;
  }
  if (process.env.AAP_TRACE_VIEWER === 'false') return undefined;
  try {
    if (await zipkinAnswers()) {
      say(`Zipkin already running on port ${new URL(zipkinSpansEndpoint()).port}, reusing it`);
      return { spansEndpoint: zipkinSpansEndpoint(), stop: async () => {} };
    }
    const conflict = await zipkinPortConflict();
    if (conflict) throw new Error(conflict);
    const jar = await provisionZipkin(say);
    const startedAt = Date.now();
    const zipkin = await supervise({ name: 'zipkin', start: () => spawnZipkin(jar), log: say });
    if (await waitForZipkin()) say(`Zipkin started (pid ${zipkin.child.pid}, ready in ${((Date.now() - startedAt) / 1000).toFixed(1)}s, log ${zipkinLogFile()})`);
    else say(`Zipkin does not answer yet (log ${zipkinLogFile()}): the services will send their spans once it does`);
    return {
      spansEndpoint: zipkinSpansEndpoint(),
      stop: async () => {
        await zipkin.stop();
        say('Zipkin stopped');
      },
    };
  } catch (error) {
    say(`no trace viewer: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Each service keeps its own database, named after the topic prefix as the test harness does
 * (`aap_submission`… by default): one MONGODB_DB in the environment would give all four the same
 * one, and another KAFKA_TOPIC_PREFIX alone would pair fresh topics with old databases.
 */
function databaseOf(service: ServiceName): string {
  return `${process.env.KAFKA_TOPIC_PREFIX ?? 'aap'}_${service.replace('-', '_')}`;
}

function serviceEnvironment(service: ServiceName, infra: Infra, traceViewer: TraceViewer | undefined): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(portOf(service)),
    // Each its own, never one METRICS_PORT of the environment for all four; empty: the service's default.
    METRICS_PORT: chosenMetricsPort(service) ?? '',
    KAFKA_BROKERS: infra.kafkaBrokers,
    ...infra.kafkaEnvOf(service),
    MONGODB_URI: infra.mongoUri,
    MONGODB_DB: databaseOf(service),
    // The development JWT secret of `npm run token` is accepted in development mode only.
    AAP_DEV_MODE: process.env.AAP_DEV_MODE ?? 'true',
    ...(traceViewer ? { OTEL_EXPORTER_ZIPKIN_ENDPOINT: traceViewer.spansEndpoint } : {}),
    ...(service === 'notification' && !process.env.SMTP_HOST ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(MAIL_SMTP_PORT) } : {}),
    // Links in e-mails (`<PUBLIC_APP_URL>/dossiers/<id>`) point at the dossier resource of the running
    // submission service until the applicant portal exists.
    ...(service === 'notification' ? { PUBLIC_APP_URL: process.env.PUBLIC_APP_URL ?? `http://localhost:${portOf('submission')}` } : {}),
  };
}

/** A TypeScript entry point of the repository in a Node process of its own, its output prefixed with `[name]`. */
function spawnLabelled(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env,
    // Own process group: a Ctrl-C in the terminal reaches `npm start` only, which stops everything in order.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const label = `[${name}]`.padEnd(16);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`${label}${line}`));
  }
  return child;
}

async function isReady(service: ServiceName): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${portOf(service)}/health/ready`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false; // not listening yet
  }
}

/** The first start: a service that exits before it is ever ready has a problem a restart will not fix (configuration, port). */
async function waitFirstReady(service: ServiceName, supervisor: Supervisor): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (supervisor.crashes > 0) throw new Error(`${service} exited before it was ready (its output is above)`);
    if (await isReady(service)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${service} was not ready within ${READY_TIMEOUT_MS / 1000} s (http://127.0.0.1:${portOf(service)}/health/ready)`);
}

/** After a restart: says when the service answers again (or that it did not, if it crashed again meanwhile). */
async function reportReadyAgain(service: ServiceName, instance: ChildProcess): Promise<void> {
  const restartedAt = Date.now();
  while (instance.exitCode === null && instance.signalCode === null) {
    if (await isReady(service)) return say(`${service} is ready again (${((Date.now() - restartedAt) / 1000).toFixed(1)}s after its restart)`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main(): Promise<void> {
  // Before starting anything, the refusal every service would give on its own (e.g. HOST=0.0.0.0 in development mode).
  resolveAuthOptions({
    developmentMode: (process.env.AAP_DEV_MODE ?? 'true') === 'true',
    host: process.env.HOST ?? '127.0.0.1',
    jwtSecret: process.env.AUTH_JWT_SECRET,
    jwksUrl: process.env.AUTH_JWKS_URL,
    issuer: process.env.AUTH_ISSUER,
    audience: process.env.AUTH_AUDIENCE,
  });
  if (process.env.MONGODB_DB) say(`MONGODB_DB is ignored: each service has its own database (${databaseOf('submission')}…), named after KAFKA_TOPIC_PREFIX`);
  // Zipkin starts in its own JVM while Kafka starts in another: neither waits for the other.
  const traceViewerStarting = startTraceViewer();
  const infra = await provideInfra();
  const mailCatcher = await startMailCatcher();
  const traceViewer = await traceViewerStarting;
  const supervisors = new Map<ServiceName, Supervisor>();
  let stopping = false;

  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping the services…');
    await Promise.all([...supervisors.values()].map((supervisor) => supervisor.stop()));
    await mailCatcher?.stop();
    await traceViewer?.stop();
    await infra.stop();
    say('stopped');
    process.exit(exitCode);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));
  // Last resort if this process dies of an error: the detached children must not outlive it.
  process.on('exit', () => {
    for (const supervisor of supervisors.values()) supervisor.child.kill('SIGTERM');
  });

  for (const service of SERVICE_NAMES) {
    const env = serviceEnvironment(service, infra, traceViewer);
    const supervisor = await supervise({
      name: service,
      start: () => spawnLabelled(service, `apps/${service}-service/src/main.ts`, env),
      log: say,
      onRestart: (instance) => void reportReadyAgain(service, instance),
    });
    supervisors.set(service, supervisor);
  }
  try {
    await Promise.all(SERVICE_NAMES.map((service) => waitFirstReady(service, supervisors.get(service)!)));
  } catch (error) {
    say(`${(error as Error).message}: stopping everything`);
    return stopAll(1);
  }

  const rows = SERVICE_NAMES.map((service) => {
    const base = `http://localhost:${portOf(service)}`;
    return `  ${service.padEnd(14)} ${base}   docs ${base}/docs   ready ${base}/health/ready`;
  });
  if (mailCatcher) rows.push(`  ${'mail'.padEnd(14)} http://localhost:${MAIL_WEB_PORT}/index.html   (maildev; SMTP 127.0.0.1:${MAIL_SMTP_PORT})`);
  if (traceViewer) rows.push(`  ${'traces'.padEnd(14)} ${zipkinUiUrl()}   (Zipkin; spans of every service)`);
  rows.push(`  ${'metrics'.padEnd(14)} ${SERVICE_NAMES.map((service) => `http://localhost:${metricsPortOf(service)}/metrics`).join('  ')}   (Prometheus, admin ports)`);
  rows.push(`  ${'tokens'.padEnd(14)} npm run -s token -- admin   (or applicant --org 216901231, programme-manager, reviewer…)`);
  if (process.env.AAP_SEED_DEMO !== 'false') {
    try {
      await seedDemo({ submission: `http://127.0.0.1:${portOf('submission')}`, evaluation: `http://127.0.0.1:${portOf('evaluation')}` }, (line) => say(line));
    } catch (error) {
      say(`demo data not seeded: ${(error as Error).message}`);
    }
  }
  say(
    `the AAP platform is up (Kafka ${infra.kafkaBrokers}, database ${infra.mongoUri}):\n${rows.join('\n')}\n` +
      'A service, Kafka, PostgreSQL, FerretDB, Zipkin or the mail catcher that stops is restarted (1 s, doubling to 30 s); Ctrl-C stops everything.',
  );
}

main().catch((error) => {
  console.error(`[start] ${(error as Error).message}`);
  process.exit(1);
});
