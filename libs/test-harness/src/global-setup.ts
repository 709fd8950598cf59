import type { TestProject } from 'vitest/node';
import { provideInfrastructure } from './infrastructure';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    mongoUri: string;
    /** A FerretDB to run FerretDB-specific tests on besides the run's database (FERRETDB_URI), if any. */
    ferretdbUri: string;
  }
}

/** vitest globalSetup of the integration project: starts (or finds) Kafka and the database once per run. */
export default async function setup(project: TestProject) {
  const infrastructure = await provideInfrastructure();
  console.log(`[test-harness] integration tests on ${infrastructure.kind}: ${infrastructure.describe}`);
  project.provide('kafkaBrokers', infrastructure.kafkaBrokers);
  project.provide('mongoUri', infrastructure.mongoUri);
  project.provide('ferretdbUri', process.env.FERRETDB_URI ?? '');
  return () => infrastructure.stop();
}
