import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '@aap/service-runtime';
import { service as submission } from '@aap/submission-service';
import { httpClient, useTestEnvironment, waitFor } from '@aap/test-harness';
import { databaseProxy, type DatabaseProxy } from './database-proxy.fixture';

const env = useTestEnvironment();

/**
 * Two ways of losing the database under a running service, and of getting it back: it goes away
 * (connections dropped, new ones refused) and restarts, or it hangs (connections kept open, nothing
 * answered) and answers again. Either way a request answers 503 within 2 s: each one carries a 2 s
 * deadline of its own (a hung database would otherwise keep it ≈ 40 s, until the driver's monitor
 * gives the server up; the service's database deadline answers instead, databaseDeadlinePlugin).
 */
describe.each([
  { how: 'goes away (connections dropped, new ones refused)', fail: (proxy: DatabaseProxy) => proxy.cut(), recover: (proxy: DatabaseProxy) => proxy.restore() },
  { how: 'hangs (connections kept open, nothing answered)', fail: async (proxy: DatabaseProxy) => proxy.hold(), recover: async (proxy: DatabaseProxy) => proxy.release() },
])('the database $how while the service runs', ({ fail, recover }) => {
  let proxy: DatabaseProxy;
  let service: RunningService;

  beforeAll(async () => {
    proxy = await databaseProxy(env.mongoUri);
    // The relay and the scheduled jobs log every failed cycle once the database is gone: keep the output for the test's own failures.
    service = await env.startService(submission, { MONGODB_URI: proxy.uri, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal' });
    expect((await httpClient(service.url).as('programme-manager').get('/calls')).status).toBe(200);
    expect((await httpClient(service.url).anonymous().get('/health/ready')).status).toBe(200);
    await fail(proxy);
  });

  afterAll(async () => {
    proxy?.release();
    await service?.stop();
  });

  it('a request answers 503 problem+json with Retry-After within 2 s (no endless wait, no bare 500)', async () => {
    const manager = httpClient(service.url).as('programme-manager');
    for (const path of ['/calls', '/calls/no-such-call']) {
      const answer = await manager.get(path, { timeoutMs: 2_000 });
      expect(answer.status, path).toBe(503);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.body).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/service-unavailable', status: 503 });
      expect(JSON.stringify(answer.body)).not.toMatch(/127\.0\.0\.1|27017|mongodb/i);
    }
  });

  it('readiness says the database is down, and names no host nor error', async () => {
    const answer = await httpClient(service.url).anonymous().get('/health/ready');
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ status: 'unavailable', checks: { database: { status: 'unavailable' }, kafka: { status: 'ok' } } });
  });

  // This failed one run in three: the driver's monitor checked the server on a connection the database
  // had just dropped, its write waited for a 'drain' that never comes, and the service stayed 503 for
  // good (mongodb 6.20/6.22; fixed by patches/mongodb+6.20.0.patch). How soon it comes back is the
  // driver's business (its monitor's heartbeat): what is asserted is that it comes back by itself.
  it('once the database answers again, readiness and requests are 200 again, without a restart', { timeout: 180_000 }, async () => {
    await recover(proxy);
    await waitFor(async () => (await httpClient(service.url).anonymous().get('/health/ready')).status === 200, { deadlineMs: 150_000, what: 'readiness 200 again' });
    expect((await httpClient(service.url).as('programme-manager').get('/calls')).status).toBe(200);
  });
});
