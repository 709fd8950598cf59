import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createHttpServer, type HttpServer } from './server';
import { DEVELOPMENT_JWT_SECRET } from './dev-tokens';

/** Keeps the event loop busy for `ms`, in slices of `sliceMs` with a turn of the loop between them (a CPU-bound service). */
async function busyFor(ms: number, sliceMs: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const sliceEnd = performance.now() + sliceMs;
    while (performance.now() < sliceEnd);
    await new Promise((resolve) => setImmediate(resolve));
  }
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

  it('when the loop is blocked in 150 ms slices for over a second, then requests get 503 problem+json with Retry-After, probes still 200', async () => {
    await busyFor(2_200, 150);
    const refused = await app.inject({ method: 'GET', url: '/work' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/overloaded', status: 503 });
    expect(refused.json().detail).toMatch(/event loop lags \d+ ms behind \(at most 50 ms\)/);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('when the loop is free again for a couple of seconds, then requests are served', async () => {
    await sleep(2_500);
    expect((await app.inject({ method: 'GET', url: '/work' })).statusCode).toBe(200);
  });
});
