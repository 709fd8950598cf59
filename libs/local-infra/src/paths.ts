import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Everything below is a function rather than a constant so that environment variables are
// read at call time: tests set AAP_INFRA_HOME / ports after this module may have been loaded.

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const KAFKA_INFRA_DIR = join(REPO_ROOT, 'infra/kafka');
export const KAFKA_POM = join(KAFKA_INFRA_DIR, 'pom.xml');

/** Provisioned binaries, shared by every clone and keyed by version so that upgrades never clash. */
export function cacheRoot(): string {
  const xdgCache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return process.env.AAP_INFRA_CACHE || join(xdgCache, 'aap-infra');
}

/** Runtime state (data, logs, pid files, rendered configs): disposable, see `reset`. */
export function runHome(): string {
  return process.env.AAP_INFRA_HOME || join(cacheRoot(), 'run');
}

export interface Ports {
  kafka: number;
  kafkaController: number;
  postgres: number;
  ferretdb: number;
}

export const PORT_ENV = {
  kafka: 'AAP_KAFKA_PORT',
  kafkaController: 'AAP_KAFKA_CONTROLLER_PORT',
  postgres: 'AAP_POSTGRES_PORT',
  ferretdb: 'AAP_FERRETDB_PORT',
} as const satisfies Record<keyof Ports, string>;

export function ports(): Ports {
  return {
    kafka: portFromEnv(PORT_ENV.kafka, 9092),
    kafkaController: portFromEnv(PORT_ENV.kafkaController, 9093),
    // Not 5432: a PostgreSQL installed on the machine would hold it (and not accept our role).
    // Below 32768, so the kernel never hands it out as an ephemeral client port.
    postgres: portFromEnv(PORT_ENV.postgres, 25432),
    ferretdb: portFromEnv(PORT_ENV.ferretdb, 27017),
  };
}

/** FerretDB's storage: PostgreSQL (uses indexes; the default) or its embedded SQLite (scans every query). */
export type FerretdbBackend = 'postgresql' | 'sqlite';
export const FERRETDB_BACKEND_ENV = 'AAP_FERRETDB_BACKEND';

export function ferretdbBackend(): FerretdbBackend {
  const raw = process.env[FERRETDB_BACKEND_ENV] || 'postgresql';
  if (raw === 'postgresql' || raw === 'sqlite') return raw;
  throw new Error(`${FERRETDB_BACKEND_ENV}=${raw} is not a FerretDB backend (expected postgresql or sqlite)`);
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name}=${raw} is not a valid TCP port`);
  }
  return port;
}
