import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rename, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PORT_ENV, ports } from './paths';
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

  /** Ready means a startup handshake as our role succeeds without a password. */
  probe: () => acceptsOurRole(ports().postgres),

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

/**
 * One startup handshake of PostgreSQL's wire protocol (v3) as our role: true once the server says
 * ReadyForQuery. False while it starts up or recovers (an ErrorResponse), and for a server that is
 * not ours (unknown role, or a password asked for): that one is reported as a port conflict.
 */
function acceptsOurRole(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1_000 });
    let received = Buffer.alloc(0);
    const done = (ready: boolean) => {
      if (ready) socket.end(TERMINATE);
      else socket.destroy();
      resolve(ready);
    };
    socket.once('connect', () => socket.write(startupMessage({ user: ROLE, database: DATABASE })));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // Each message: a type byte, then an Int32 length that counts itself but not the type byte.
      while (received.length >= 5) {
        const type = String.fromCharCode(received[0]!);
        const length = received.readInt32BE(1);
        if (length < 4 || length > 1 << 20) return done(false); // not PostgreSQL talking
        if (received.length < 1 + length) return;
        if (type === 'E') return done(false);
        if (type === 'R' && received.readInt32BE(5) !== 0) return done(false); // 0 is AuthenticationOk
        if (type === 'Z') return done(true);
        received = received.subarray(1 + length);
      }
    });
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false)); // no-op when already resolved
  });
}

const PROTOCOL_3_0 = 196_608;
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]); // 'X', length 4

function startupMessage(parameters: Record<string, string>): Buffer {
  const body = Buffer.from(`${Object.entries(parameters).map(([name, value]) => `${name}\0${value}\0`).join('')}\0`);
  const header = Buffer.alloc(8);
  header.writeInt32BE(header.length + body.length, 0);
  header.writeInt32BE(PROTOCOL_3_0, 4);
  return Buffer.concat([header, body]);
}
