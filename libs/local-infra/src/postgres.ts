import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PORT_ENV, ports } from './paths';
import { pgQuery, type PgTarget } from './pg-wire';
import type { RunAs } from './processes';
import { provisionPostgres } from './provision';
import { serviceDir, type Log, type Service } from './service';
import { run } from './toolchain';
import { allowTraversal, postgresRunAs } from './unprivileged-user';
import { postgresPackage } from './versions';

/**
 * The database role FerretDB connects as, with `trust` authentication on loopback only: FerretDB's
 * own port is unauthenticated anyway, so a password here would protect nothing more.
 */
const ROLE = 'aap';
/** FerretDB keeps one PostgreSQL schema per MongoDB database, all in this database (made by initdb). */
const DATABASE = 'postgres';

export const postgresUrl = (): string => `postgres://${ROLE}@127.0.0.1:${ports().postgres}/${DATABASE}`;
/** Where FerretDB keeps its data, as FerretDB connects to it (a superuser: initdb made it). */
export const postgresTarget = (): PgTarget => ({ port: ports().postgres, user: ROLE, database: DATABASE });
const dataDir = () => join(serviceDir('postgres'), 'data');

export const postgres: Service = {
  name: 'postgres',
  label: 'PostgreSQL',
  get version() {
    return postgresPackage()?.version ?? 'missing';
  },
  port: () => ports().postgres,
  portEnv: PORT_ENV.postgres,
  readyTimeoutMs: 60_000, // after a crash, recovery replays the WAL first
  stopTimeoutMs: 20_000,
  // Fast shutdown: SIGTERM ("smart") would wait for FerretDB's pooled connections to close, i.e. forever.
  stopSignal: 'SIGINT',

  /**
   * Ready means a startup handshake as our role succeeds without a password. Not ready while it
   * starts up or recovers, and for a server that is not ours (unknown role, or a password asked
   * for): that one is reported as a port conflict.
   */
  probe: () =>
    pgQuery(postgresTarget()).then(
      () => true,
      () => false,
    ),

  commandMarker: () => `-D ${dataDir()}`,

  async prepare(log) {
    const home = await provisionPostgres(log);
    const runAs = postgresRunAs(log);
    if (runAs) {
      await allowTraversal(join(home, 'bin'), log);
      await allowTraversal(dataDir(), log);
    }
    if (!existsSync(join(dataDir(), 'PG_VERSION'))) await initialise(home, runAs, log);
    return {
      command: join(home, 'bin', 'postgres'),
      args: [
        '-D', dataDir(),
        '-p', String(ports().postgres),
        '-c', 'listen_addresses=127.0.0.1',
        // No Unix socket: FerretDB uses TCP, and the default directory (/tmp) is shared with any other PostgreSQL.
        '-c', 'unix_socket_directories=',
        // AAP_POSTGRES_STATEMENTS=1: every statement FerretDB sends counted (`create extension pg_stat_statements`, then query it), to see what a bench costs the store.
        ...(process.env.AAP_POSTGRES_STATEMENTS ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all'] : []),
      ],
      runAs,
    };
  },
};

/**
 * initdb into a staging directory renamed into place when complete, so that an interrupted
 * initialisation is started over instead of leaving a data directory PostgreSQL cannot use.
 */
async function initialise(home: string, runAs: RunAs | undefined, log: Log): Promise<void> {
  const staging = `${dataDir()}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o700 });
  await chmod(staging, 0o700); // PostgreSQL refuses a data directory others can read
  if (runAs) await chown(staging, runAs.uid, runAs.gid);
  log(`PostgreSQL: initialising ${dataDir()}${runAs ? ` (owned by uid ${runAs.uid})` : ''}`);
  try {
    await run(
      join(home, 'bin', 'initdb'),
      ['-D', staging, '-U', ROLE, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-instructions', '--no-sync'],
      { cwd: '/', ...runAs },
    );
    await rename(staging, dataDir());
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
