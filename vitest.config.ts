import { defineConfig } from 'vitest/config';

/**
 * Two projects, chosen by file suffix:
 * - unit: *.unit.test.ts, pure code, no infrastructure;
 * - integration: *.int.test.ts and *.e2e.test.ts, on the real Kafka broker and database that the
 *   harness provides once per run (libs/test-harness/src/global-setup.ts).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{apps,libs,tools}/**/*.unit.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{apps,libs,tools}/**/*.{int,e2e}.test.ts'],
          environment: 'node',
          globalSetup: ['libs/test-harness/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // The broker, the database and the services share two cores: one file at a time keeps timings sane.
          fileParallelism: false,
        },
      },
    ],
  },
});
