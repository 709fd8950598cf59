import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

/** A dependency the service needs to do its job (database, broker); throws or rejects when unreachable. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;

const healthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  /** Which dependency is down, never why: hosts and driver messages stay in the logs. */
  checks: z.record(z.string(), z.object({ status: z.enum(['ok', 'unavailable']) })).optional(),
});

async function runCheck({ check }: ReadinessCheck) {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS))),
    ]);
    return { status: 'ok' as const };
  } catch (error) {
    return { status: 'unavailable' as const, error: error as Error };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness says the process answers; readiness that the database and Kafka answer too. */
export function registerHealthRoutes(app: FastifyInstance<any, any, any, any, any>, checks: ReadinessCheck[]): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/health/live',
    { config: { rateLimit: false }, schema: { tags: ['health'], summary: 'The process is up', response: { 200: healthResponse } } },
    async () => ({ status: 'ok' as const }),
  );
  typed.get(
    '/health/ready',
    {
      // Orchestrators probe often, from one address: never rate-limited.
      config: { rateLimit: false },
      schema: {
        tags: ['health'],
        summary: 'The service can reach its database and Kafka (which one is down, not why)',
        response: { 200: healthResponse, 503: healthResponse },
      },
    },
    async (request, reply) => {
      const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
      for (const [name, result] of results) if (result.error) request.log.warn({ check: name, err: result.error }, 'readiness check failed');
      const ready = results.every(([, r]) => r.status === 'ok');
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ok' : 'unavailable', checks: Object.fromEntries(results.map(([name, { status }]) => [name, { status }])) });
    },
  );
}
