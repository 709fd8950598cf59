import type { z } from 'zod';
import { ConfigurationError, loadConfig, serviceEnvSchema, type ServiceEnv } from '@aap/config';
import { createLogger, stopTelemetry } from '@aap/observability';
import { startService, type ServiceModule } from './service';

/**
 * Entry point of a service process: validates the environment (exit 1 with every problem listed),
 * starts the service and stops it cleanly on SIGINT/SIGTERM.
 * Telemetry must already be started (see each app's main.ts) before this module is imported.
 */
export async function runServiceProcess(module: ServiceModule, schema: z.ZodObject = serviceEnvSchema(module.name)): Promise<void> {
  let config: ServiceEnv;
  try {
    config = loadConfig(module.name, schema) as ServiceEnv;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ service: module.name, level: config.LOG_LEVEL });
  let running: Awaited<ReturnType<typeof startService>>;
  try {
    running = await startService(module, config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, `${module.name} service could not start`);
    await stopTelemetry();
    process.exit(1);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      logger.error('graceful stop took more than 20 s, exiting');
      process.exit(1);
    }, 20_000).unref();
    await running.stop();
    await stopTelemetry();
    clearTimeout(force);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
