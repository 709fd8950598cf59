import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createHttpServer, type HttpServer } from './server';
import { DEVELOPMENT_JWT_SECRET } from './dev-tokens';
import { waitFor } from '@aap/test-harness/wait-for';

/** Blocks the event loop for `ms` (a CPU-bound service), then gives it one turn. */
async function blockFor(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end);
  await new Promise((resolve) => setImmediate(resolve));
}

describe('given a service refusing requests while its event loop lags more than 50 ms', () => {
  let app: HttpServer;
  beforeAll(async () => {
    const admission = { maxInFlight: 0, maxEventLoopDelayMs: 50 };
    app = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth: { jwtSecret: DEVELOPMENT_JWT_SECRET }, admission });
    app.get('/work', { config: { access: { public: true } } }, async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(() => app.close());

  it('when the loop is blocked in 150 ms slices, then (once the delay is sampled) requests get 503 problem+json with Retry-After, probes still 200', async () => {
    const refused = await waitFor(
      async () => {
        await blockFor(150);
        const answer = await app.inject({ method: 'GET', url: '/work' });
        return answer.statusCode === 503 && answer;
      },
      { intervalMs: 0, deadlineMs: 10_000, what: 'a request refused while the loop is blocked' },
    );
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/overloaded', status: 503 });
    expect(refused.json().detail).toMatch(/event loop lags \d+ ms behind \(at most 50 ms\)/);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('when the loop is free again, then (once the calm is sampled) requests are served', async () => {
    await waitFor(async () => (await app.inject({ method: 'GET', url: '/work' })).statusCode === 200, { deadlineMs: 10_000, what: 'a request served once the loop is free' });
  });
});
