import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { ferretdbBackend, PORT_ENV, ports } from './paths';
import { postgresUrl } from './postgres';
import { isPortOpen } from './processes';
import { provisionFerretdb } from './provision';
import { serviceDir, type Service } from './service';
import { FERRETDB_VERSION } from './versions';

export const mongoUri = (): string => `mongodb://127.0.0.1:${ports().ferretdb}/`;
const stateDir = () => join(serviceDir('ferretdb'), 'state');

export const ferretdb: Service = {
  name: 'ferretdb',
  label: 'FerretDB',
  version: FERRETDB_VERSION,
  port: () => ports().ferretdb,
  portEnv: PORT_ENV.ferretdb,
  readyTimeoutMs: 90_000,
  stopTimeoutMs: 20_000,

  /** Ready means a MongoDB handshake and a ping succeed. */
  async probe() {
    // Fail fast when nothing listens: the driver would wait for serverSelectionTimeoutMS first.
    if (!(await isPortOpen(ports().ferretdb))) return false;
    const connection = mongoose.createConnection(mongoUri(), { serverSelectionTimeoutMS: 1_000 });
    try {
      await connection.asPromise();
      await connection.db!.admin().ping();
      return true;
    } catch {
      return false;
    } finally {
      await connection.close().catch(() => undefined);
    }
  },

  commandMarker: () => `--state-dir=${stateDir()}`,

  async prepare(log) {
    const binary = await provisionFerretdb(log);
    await mkdir(stateDir(), { recursive: true });
    return {
      command: binary,
      args: [
        ...(ferretdbBackend() === 'postgresql' ? ['--handler=postgresql', `--postgresql-url=${postgresUrl()}`] : await sqliteArgs()),
        `--state-dir=${stateDir()}`,
        `--listen-addr=127.0.0.1:${ports().ferretdb}`,
        '--telemetry=disable',
        // No debug HTTP server unless asked for (AAP_FERRETDB_DEBUG_ADDR, e.g. 127.0.0.1:8089: Go's pprof, to profile FerretDB under a bench).
        `--debug-addr=${process.env.AAP_FERRETDB_DEBUG_ADDR ?? '-'}`,
        '--log-level=warn',
      ],
    };
  },
};

/** The SQLite backend, kept selectable (AAP_FERRETDB_BACKEND=sqlite) to compare: it uses no index at all. */
async function sqliteArgs(): Promise<string[]> {
  const dataDir = join(serviceDir('ferretdb'), 'data');
  await mkdir(dataDir, { recursive: true });
  return [
    '--handler=sqlite',
    // One SQLite file per database in this directory (the trailing slash is required).
    // _txlock=immediate: a write transaction takes SQLite's write lock when it begins. With the
    // default deferred lock, concurrent updates fail to upgrade their read snapshot (BUSY_SNAPSHOT)
    // and FerretDB 1.24 may hand the failed connection back to its pool still inside that old
    // snapshot, so later reads on it return stale documents.
    `--sqlite-url=file:${dataDir}/?_txlock=immediate`,
  ];
}
