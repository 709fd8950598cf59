import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

/** A dependency the service needs to do its job (database, broker); throws or rejects when unreachable. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  /** Which part behind the dependency its error says is down (e.g. the PostgreSQL behind FerretDB), when it tells. */
  partOf?: (error: unknown) => string | undefined;
}

/** How long a readiness check may take before its dependency counts as down. */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

const healthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  /** Which dependency is down, never why: hosts and driver messages stay in the logs. */
  checks: z
    .record(
      z.string(),
      z.object({
        status: z.enum(['ok', 'unavailable']),
        /** The part behind the dependency that is down, when its error tells (`postgresql`: FerretDB answers, its PostgreSQL does not). */
        part: z.string().optional(),
      }),
    )
    .optional(),
});

/** Runs one check within `timeoutMs`: ok, or unavailable with the error and the part it names. */
export async function runCheck(
  { check, partOf }: ReadinessCheck,
  timeoutMs = READINESS_CHECK_TIMEOUT_MS,
): Promise<{ status: 'ok' } | { status: 'unavailable'; error: Error; part?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return { status: 'ok' as const };
  } catch (error) {
    const part = partOf?.(error);
    return { status: 'unavailable' as const, error: error as Error, ...(part ? { part } : {}) };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness says the process answers; readiness that the database and Kafka answer too. */
export function registerHealthRoutes(app: FastifyInstance<any, any, any, any, any>, checks: ReadinessCheck[]): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get(
    '/health/live',
    { config: { rateLimit: false }, schema: { operationId: 'getLiveness', tags: ['health'], summary: 'The process is up', response: { 200: healthResponse } } },
    async () => ({ status: 'ok' as const }),
  );
  typed.get(
    '/health/ready',
    {
      // Orchestrators probe often, from one address: never rate-limited.
      config: { rateLimit: false, databaseDeadline: false },
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'The service can reach its database and Kafka (which one is down, and the part behind it when known; not why)',
        response: { 200: healthResponse, 503: healthResponse },
      },
    },
    async (request, reply) => {
      const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
      for (const [name, result] of results) if (result.status === 'unavailable') request.log.warn({ check: name, part: result.part, err: result.error }, 'readiness check failed');
      const ready = results.every(([, r]) => r.status === 'ok');
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ok' : 'unavailable',
        checks: Object.fromEntries(results.map(([name, result]) => [name, result.status === 'ok' ? { status: result.status } : { status: result.status, ...(result.part ? { part: result.part } : {}) }])),
      });
    },
  );
}
