/**
 * npm start: the whole platform on one machine.
 * Starts Kafka and FerretDB (tools/infra) unless KAFKA_BROKERS and MONGODB_URI are set, then the
 * four services as child processes; prints their URLs once each answers ready; on Ctrl-C stops the
 * services, then the infrastructure it started itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SERVICE_NAMES, type ServiceName } from '@aap/contracts';
import { DEFAULT_PORTS } from '@aap/config';
import { MailDev } from 'maildev';
import { downLocalInfra, upLocalInfra } from '@aap/local-infra';
import { seedDemo } from './seed-demo';

const READY_TIMEOUT_MS = 90_000;
const MAIL_SMTP_PORT = Number(process.env.MAILDEV_SMTP_PORT ?? 1025);
const MAIL_WEB_PORT = Number(process.env.MAILDEV_WEB_PORT ?? 1080);
const say = (line: string) => console.log(`[start] ${line}`);

interface Infra {
  kafkaBrokers: string;
  mongoUri: string;
  stop(): Promise<void>;
}

async function provideInfra(): Promise<Infra> {
  const { KAFKA_BROKERS, MONGODB_URI } = process.env;
  if (KAFKA_BROKERS && MONGODB_URI) {
    say(`using KAFKA_BROKERS=${KAFKA_BROKERS} and MONGODB_URI from the environment (nothing started)`);
    return { kafkaBrokers: KAFKA_BROKERS, mongoUri: MONGODB_URI, stop: async () => {} };
  }
  const infra = await upLocalInfra({ log: (line) => say(line) });
  const started = (['kafka', 'ferretdb'] as const).filter((name) => infra.started[name]);
  return {
    ...infra,
    stop: async () => {
      if (started.length > 0) await downLocalInfra({ only: [...started], log: (line) => say(line) });
    },
  };
}

/** A local mail catcher (SMTP 1025, web UI 1080) unless SMTP_HOST points at a real server. */
async function startMailCatcher(): Promise<{ stop(): Promise<void> } | undefined> {
  if (process.env.SMTP_HOST) {
    say(`using SMTP_HOST=${process.env.SMTP_HOST} from the environment (no mail catcher started)`);
    return undefined;
  }
  const maildev = new MailDev({ smtp: MAIL_SMTP_PORT, web: MAIL_WEB_PORT, ip: '127.0.0.1', webIp: '127.0.0.1', silent: true });
  try {
    await maildev.start();
  } catch (error) {
    throw new Error(`the mail catcher could not listen on ports ${MAIL_SMTP_PORT}/${MAIL_WEB_PORT} (${(error as Error).message}): set MAILDEV_SMTP_PORT/MAILDEV_WEB_PORT, or SMTP_HOST`);
  }
  return { stop: () => maildev.stop() };
}

function portOf(service: ServiceName): number {
  const variable = `${service.toUpperCase().replace('-', '_')}_PORT`;
  return Number(process.env[variable] ?? DEFAULT_PORTS[service]);
}

function startService(service: ServiceName, infra: Infra): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${service}-service/src/main.ts`], {
    env: {
      ...process.env,
      PORT: String(portOf(service)),
      KAFKA_BROKERS: infra.kafkaBrokers,
      MONGODB_URI: infra.mongoUri,
      ...(service === 'notification' && !process.env.SMTP_HOST ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(MAIL_SMTP_PORT) } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const label = `[${service}]`.padEnd(16);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`${label}${line}`));
  }
  return child;
}

async function waitReady(service: ServiceName, child: ChildProcess): Promise<void> {
  const url = `http://127.0.0.1:${portOf(service)}/health/ready`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${service} exited with code ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${service} was not ready within ${READY_TIMEOUT_MS / 1000} s (${url})`);
}

async function main(): Promise<void> {
  const infra = await provideInfra();
  const mailCatcher = await startMailCatcher();
  const children = new Map<ServiceName, ChildProcess>();
  let stopping = false;

  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping the services…');
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await mailCatcher?.stop();
    await infra.stop();
    say('stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  for (const service of SERVICE_NAMES) {
    const child = startService(service, infra);
    children.set(service, child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      say(`${service} stopped unexpectedly (${signal ?? `exit code ${code}`}): stopping everything`);
      void stopAll(1);
    });
  }
  try {
    await Promise.all(SERVICE_NAMES.map((service) => waitReady(service, children.get(service)!)));
  } catch (error) {
    say((error as Error).message);
    return stopAll(1);
  }

  const rows = SERVICE_NAMES.map((service) => {
    const base = `http://localhost:${portOf(service)}`;
    return `  ${service.padEnd(14)} ${base}   docs ${base}/docs   ready ${base}/health/ready`;
  });
  if (mailCatcher) rows.push(`  ${'mail'.padEnd(14)} http://localhost:${MAIL_WEB_PORT}/index.html   (maildev; SMTP 127.0.0.1:${MAIL_SMTP_PORT})`);
  if (process.env.AAP_SEED_DEMO !== 'false') {
    try {
      await seedDemo(`http://127.0.0.1:${portOf('submission')}`, (line) => say(line));
    } catch (error) {
      say(`demo data not seeded: ${(error as Error).message}`);
    }
  }
  say(`the AAP platform is up (Kafka ${infra.kafkaBrokers}, database ${infra.mongoUri}):\n${rows.join('\n')}\nCtrl-C stops everything.`);
}

main().catch((error) => {
  console.error(`[start] ${(error as Error).message}`);
  process.exit(1);
});
