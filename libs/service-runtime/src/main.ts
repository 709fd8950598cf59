import { z } from 'zod';
import { ConfigurationError, loadConfig, serviceEnvSchema, type ServiceEnv } from '@aap/config';
import { createLogger, stopTelemetry } from '@aap/observability';
import { startService, type ServiceModule } from './service';

/** Variables of the process itself, beside the service's own configuration. */
export const processEnvSchema = z.object({
  /** A stop (SIGTERM/SIGINT) that takes longer ends the process with exit code 1. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(10_000),
});

/**
 * Entry point of a service process: validates the environment (exit 1 with every problem listed),
 * starts the service and, on SIGINT/SIGTERM, stops it gracefully (see `RunningService.stop`) within
 * SHUTDOWN_TIMEOUT_MS: exit 0 when everything stopped in time, 1 otherwise.
 * Telemetry must already be started (see each app's main.ts) before this module is imported.
 */
export async function runServiceProcess(module: ServiceModule, schema: z.ZodObject = serviceEnvSchema(module.name)): Promise<void> {
  let config: ServiceEnv & z.infer<typeof processEnvSchema>;
  try {
    config = loadConfig(module.name, schema.extend(processEnvSchema.shape)) as ServiceEnv & z.infer<typeof processEnvSchema>;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ service: module.name, level: config.LOG_LEVEL });
  const timeoutMs = config.SHUTDOWN_TIMEOUT_MS;
  let running: Awaited<ReturnType<typeof startService>>;
  try {
    // Half the stop budget for requests in flight; the consumer, relay, spans and connections share the rest.
    running = await startService(module, config, { logger, httpDrainMs: timeoutMs / 2 });
  } catch (error) {
    logger.fatal({ err: error }, `${module.name} service could not start`);
    await stopTelemetry();
    process.exit(1);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.info({ signal, timeoutMs }, 'stopping: readiness is 503, draining requests, consumer and outbox');
    // Not unref'd: a stop stuck on a promise that nothing will settle still ends with exit code 1.
    setTimeout(() => {
      logger.error({ timeoutMs }, 'graceful stop did not finish in time, exiting');
      process.exit(1);
    }, timeoutMs);
    await running.stop();
    await stopTelemetry();
    logger.info({ ms: Date.now() - started }, 'stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
