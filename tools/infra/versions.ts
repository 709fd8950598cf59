import { readFileSync } from 'node:fs';
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

/** FerretDB 1.x is the last line with the embedded SQLite backend (2.x requires PostgreSQL + DocumentDB). */
export const FERRETDB_VERSION = 'v1.24.2';
