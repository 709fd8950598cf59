/**
 * What the bench runs on: the broker and database (given, running, or started through @aap/local-infra
 * as the test harness does), the platform's services as separate processes on free ports with
 * their own databases and topic prefix, a mail catcher, and the bare baselines beside them. Also reads
 * a process's CPU time and resident memory from /proc. Shared by `npm run bench` (cli.ts) and the
 * pipeline probe, so both run on the same stack set up the same way.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { MailDev } from 'maildev';
import mongoose from 'mongoose';
import { downLocalInfra, localInfraStatus, SERVICE_NAMES, upLocalInfra, type ServiceName } from '@aap/local-infra';

export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Infrastructure {
  kafkaBrokers: string;
  mongoUri: string;
  describe: string;
  /** Processes of the broker and database when they run on this machine (for the at-rest figure). */
  pids: Partial<Record<ServiceName, number>>;
  stop(): Promise<void>;
}

export async function provideInfrastructure(log: (line: string) => void): Promise<Infrastructure> {
  const { KAFKA_BROKERS, MONGODB_URI } = process.env;
  if (KAFKA_BROKERS && MONGODB_URI) {
    return {
      kafkaBrokers: KAFKA_BROKERS,
      mongoUri: MONGODB_URI,
      describe: `Kafka ${KAFKA_BROKERS} and the database of MONGODB_URI (from the environment)`,
      pids: {},
      stop: async () => {},
    };
  }
  const infra = await upLocalInfra({ log });
  const started = SERVICE_NAMES.filter((name) => infra.started[name]);
  const pids: Infrastructure['pids'] = {};
  for (const status of await localInfraStatus()) {
    const pid = status.pid ?? listeningPid(Number(status.address.split(':')[1]));
    if (pid) pids[status.name] = pid;
  }
  return {
    kafkaBrokers: infra.kafkaBrokers,
    mongoUri: infra.mongoUri,
    describe: `local Kafka at ${infra.kafkaBrokers} and FerretDB at ${infra.mongoUri} (@aap/local-infra${started.length ? `, started: ${started.join(', ')}` : ', already running'})`,
    pids,
    stop: async () => {
      if (started.length > 0) await downLocalInfra({ only: [...started], log });
    },
  };
}

/** What a run undoes at its end, run last first (pushed as each piece starts, so a failure half-way undoes what started). */
export type Cleanups = Array<() => Promise<unknown>>;

export interface RunInfrastructure {
  infra: Infrastructure;
  mongo: mongoose.mongo.MongoClient;
  kafka: Kafka;
}

/**
 * The broker and database of one run, with a database and a Kafka client on them. Every database and
 * topic of the run is named with `prefix`: the clean-up drops them all (unless `keep`, to look at them
 * afterwards), so runs on a shared broker and database leave nothing behind.
 */
export async function runInfrastructure(
  run: { prefix: string; clientId: string; logDir: string; keep?: boolean },
  say: (line: string) => void,
  cleanups: Cleanups,
): Promise<RunInfrastructure> {
  const { prefix, clientId, logDir, keep = false } = run;
  mkdirSync(logDir, { recursive: true });
  const infra = await provideInfrastructure(say);
  cleanups.push(() => infra.stop());
  say(`on ${infra.describe}; prefix ${prefix}; logs in ${path.relative(REPOSITORY_ROOT, logDir)}`);
  const mongo = await new mongoose.mongo.MongoClient(infra.mongoUri).connect();
  const kafka = new Kafka({ clientId, brokers: infra.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  cleanups.push(async () => {
    if (!keep) {
      const databases = (await mongo.db().admin().listDatabases()).databases.filter((db) => db.name.startsWith(prefix));
      await Promise.allSettled(databases.map((db) => mongo.db(db.name).dropDatabase()));
      const admin = kafka.admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      await admin.disconnect();
      say(`dropped ${databases.length} databases and ${topics.length} topics of ${prefix}`);
    }
    await mongo.close();
  });
  return { infra, mongo, kafka };
}

/**
 * A mail catcher on free local ports for the services' e-mails (an e-mail's sentAt is its acceptance
 * here, so no real mail server's latency or limits enter the figures). Returns its SMTP port.
 */
export async function startMailCatcher(cleanups: Cleanups): Promise<number> {
  const [smtpPort, mailWebPort] = [await freePort(), await freePort()];
  const maildev = new MailDev({ smtp: smtpPort, web: mailWebPort, ip: '127.0.0.1', webIp: '127.0.0.1', silent: true });
  await maildev.start();
  cleanups.push(() => maildev.stop());
  return smtpPort;
}

/**
 * The services' environment as configured for production apart from what a bench needs: the
 * development secret (tokens minted here), no rate limit, the mail catcher. Each service adds its own
 * topic prefix and database.
 */
export function benchServiceEnv(infra: Infrastructure, smtpPort: number): Record<string, string> {
  return {
    KAFKA_BROKERS: infra.kafkaBrokers,
    MONGODB_URI: infra.mongoUri,
    AAP_DEV_MODE: 'true',
    RATE_LIMIT_PER_MINUTE: '0',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
  };
}

/** The process listening on a local TCP port, when `ss` can tell (a stack not started by @aap/local-infra). */
function listeningPid(port: number): number | undefined {
  try {
    const output = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const match = /pid=(\d+)/.exec(output);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface NodeProcess {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript entry point (tsx) as its own process, output to a log file (never through this
 * process: piping would cost the bench CPU and block the child when unread), and waits until
 * `readyPath` answers 2xx or, for a process without HTTP, its log shows `readyLine`.
 */
export async function startNodeProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  options: { port: number; logFile: string; readyPath?: string; readyLine?: string; timeoutMs?: number; nodeArgs?: string[] },
): Promise<NodeProcess> {
  const { port, logFile, readyPath = '/health/ready', readyLine, timeoutMs = 120_000, nodeArgs = [] } = options;
  const log = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(REPOSITORY_ROOT, entry)], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.signalCode ?? child.exitCode}) before it was ready:\n${tail(logFile)}`);
    }
    if (readyLine ? readFileSync(logFile, 'utf8').includes(readyLine) : await answers(`${url}${readyPath}`)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${timeoutMs / 1000} s:\n${tail(logFile)}`);
    }
    await sleep(250);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    url,
    pid: child.pid!,
    child,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok;
  } catch {
    return false; // not listening yet
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no output)';
  }
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcessSample {
  /** User + system CPU time, seconds. */
  cpuSeconds: number;
  rssBytes: number;
}

/** CPU time (utime + stime of /proc/<pid>/stat) and VmRSS of /proc/<pid>/status; undefined when gone. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND, rssBytes: rss ? Number(rss[1]) * 1024 : Number.NaN };
  } catch {
    return undefined;
  }
}

/** Creates a topic (3 partitions, as the services' default), retrying while a freshly started broker settles. */
export async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
        return;
      } catch (error) {
        if (attempt >= 10) throw error;
        await sleep(1_000);
      }
    }
  } finally {
    await admin.disconnect();
  }
}
