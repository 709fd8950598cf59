import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { databaseUnavailable, type DatabasePart } from './errors';
import { runCheck, type ReadinessCheck } from './health';
import { sendProblem } from './problem';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the route does without the database deadline (readiness runs its own checks). */
    databaseDeadline?: false;
  }
}

export interface DatabaseDeadlineOptions {
  /** The readiness check of the database (a ping), run here within DATABASE_PING_TIMEOUT_MS. */
  database: ReadinessCheck;
  /** How long a request runs before the database is asked whether it still answers (600 ms by default; HTTP_DATABASE_CHECK_AFTER_MS). */
  checkAfterMs?: number;
}

export const DATABASE_CHECK_AFTER_MS = 600;
/** Shorter than readiness' own bound: the request must be answered within 2 s. */
export const DATABASE_PING_TIMEOUT_MS = 1_000;

/**
 * A request must not wait on a database that hangs: the driver notices a server that keeps its
 * connections open without answering only when its monitor gives it up (≈ 40 s). So a request still
 * running after `checkAfterMs` has the database pinged (one ping shared by every request waiting then);
 * if the ping fails or does not answer within DATABASE_PING_TIMEOUT_MS, the request is answered 503 at
 * once (by ≈ 1.6 s), with the part that is down. A request that is merely slow (an export, a large
 * upload) goes on as long as the database answers: it is checked again at the same pace.
 * The operation itself cannot be cancelled: if it ends later, fastify logs that the reply was already sent.
 */
export const databaseDeadlinePlugin = fp(async (app: FastifyInstance, options: DatabaseDeadlineOptions) => {
  const checkAfterMs = options.checkAfterMs ?? DATABASE_CHECK_AFTER_MS;
  let ping: Promise<DatabasePart | undefined> | undefined;
  const databaseDown = () =>
    (ping ??= runCheck(options.database, DATABASE_PING_TIMEOUT_MS)
      .then((result) => (result.status === 'ok' ? undefined : ((result.part ?? 'database') as DatabasePart)))
      .finally(() => (ping = undefined)));

  const timers = new WeakMap<FastifyRequest, NodeJS.Timeout>();
  const watch = (request: FastifyRequest, reply: FastifyReply) => {
    const timer = setTimeout(async () => {
      const part = await databaseDown();
      // Answered meanwhile (its headers out: a stream may still be running), or the client went away.
      if (timers.get(request) !== timer || reply.raw.headersSent || request.raw.destroyed) return;
      if (!part) return watch(request, reply);
      timers.delete(request);
      request.log.warn({ part, afterMs: Math.round(reply.elapsedTime) }, 'database unavailable: answering 503 without waiting for the operation');
      const { problem, headers } = databaseUnavailable(request.url, part);
      sendProblem(reply.headers(headers), problem);
    }, checkAfterMs);
    timers.set(request, timer);
  };
  const unwatch = async (request: FastifyRequest) => {
    clearTimeout(timers.get(request));
    timers.delete(request);
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.databaseDeadline !== false) watch(request, reply);
  });
  // The answer is on its way (a stream included): its headers are out, nothing is waited for any more.
  app.addHook('onSend', async (request) => unwatch(request));
  app.addHook('onResponse', async (request) => unwatch(request));
  app.addHook('onRequestAbort', async (request) => unwatch(request));
});
