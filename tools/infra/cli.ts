/**
 * npm run infra -- <command>: local Kafka, PostgreSQL and FerretDB without Docker (libs/local-infra).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  downLocalInfra,
  localInfraLogFile,
  localInfraStatus,
  provisionLocalInfra,
  resetLocalInfra,
  SERVICE_NAMES,
  upLocalInfra,
  type ServiceName,
} from '@aap/local-infra';

const USAGE = `Usage: npm run infra -- <command>
  up                                   provision if needed, start Kafka, PostgreSQL and FerretDB, wait until they answer
                                       (and give FerretDB's tables the GIN indexes its equality filters use)
  down [kafka|postgres|ferretdb]       stop what \`up\` started (FerretDB's PostgreSQL with it; SIGKILL after 20 s)
  status                               what answers on which address
  logs [kafka|postgres|ferretdb] [-f]  last lines of the logs (-f: follow)
  reset                                down, then delete all runtime data (topics, databases, logs)
  provision                            only download/build/copy Kafka, PostgreSQL and FerretDB into the cache
Environment: AAP_FERRETDB_BACKEND=postgresql (default) or sqlite; ports AAP_KAFKA_PORT (9092),
AAP_KAFKA_CONTROLLER_PORT (9093), AAP_POSTGRES_PORT (25432), AAP_FERRETDB_PORT (27017);
AAP_INFRA_CACHE (binaries), AAP_INFRA_HOME (runtime data).`;

const log = (line: string) => console.log(line);

async function main(command: string | undefined, args: string[]): Promise<number> {
  switch (command) {
    case 'up': {
      const infra = await upLocalInfra({ log });
      log(`Ready: Kafka ${infra.kafkaBrokers}, MongoDB (FerretDB on ${infra.backend}) ${infra.mongoUri}`);
      return 0;
    }
    case 'down':
      await downLocalInfra({ only: parseServices(args), log });
      return 0;
    case 'status':
      for (const s of await localInfraStatus()) {
        const state = !s.running ? 'stopped' : s.pid ? `running (pid ${s.pid})` : 'running (not started by aap-infra)';
        log(`${s.name.padEnd(9)} ${s.version.padEnd(16)} ${s.address.padEnd(16)} ${state}`);
      }
      return 0;
    case 'logs':
      return showLogs(parseServices(args.filter((arg) => arg !== '-f')) ?? SERVICE_NAMES, args.includes('-f'));
    case 'reset':
      await resetLocalInfra({ log });
      log('Runtime data deleted (provisioned binaries are kept)');
      return 0;
    case 'provision': {
      const where = await provisionLocalInfra({ log });
      log(`Provisioned: Kafka jars in ${where.kafka}, PostgreSQL in ${where.postgres}, FerretDB at ${where.ferretdb}`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      log(USAGE);
      return 0;
    default:
      console.error(`Unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

/** No argument means every service. */
function parseServices(args: string[]): ServiceName[] | undefined {
  const unknown = args.filter((arg) => !SERVICE_NAMES.includes(arg as ServiceName));
  if (unknown.length > 0) throw new Error(`Unknown service ${unknown.join(', ')} (expected ${SERVICE_NAMES.join(', ')})`);
  return args.length > 0 ? (args as ServiceName[]) : undefined;
}

function showLogs(services: readonly ServiceName[], follow: boolean): Promise<number> {
  const files = services.map(localInfraLogFile).filter((file) => existsSync(file));
  if (files.length === 0) throw new Error(`No logs yet for ${services.join(', ')}: run \`npm run infra -- up\` first`);
  // tail prints a "==> file <==" header per file when there are several; -F keeps following
  // across a restart of the service (its log is recreated at each start).
  const tail = spawn('tail', ['-n', '100', ...(follow ? ['-F'] : []), ...files], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    tail.once('error', reject);
    tail.once('exit', (code) => resolve(code ?? 0));
  });
}

// exitCode rather than exit(): let stdout drain (asynchronous for pipes on macOS). Nothing keeps
// the event loop alive afterwards: probes close their connections, services are unref()ed.
main(process.argv[2], process.argv.slice(3)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`✖ ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
