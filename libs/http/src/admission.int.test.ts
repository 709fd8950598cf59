import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '@aap/service-runtime';
import { service as submission } from '@aap/submission-service';
import { httpClient, useTestEnvironment, waitFor, type HttpAnswer } from '@aap/test-harness';
import { databaseProxy, type DatabaseProxy } from './database-proxy.fixture';
import { mintDevelopmentToken } from './dev-tokens';

const env = useTestEnvironment();

const MAX_IN_FLIGHT = 8;

/**
 * The database is held (its bytes kept, connections open) while a test fills the service: requests
 * that reached it stay in flight until it is released, whatever the machine's speed.
 */
describe(`a service limited to ${MAX_IN_FLIGHT} requests in flight, on a database slower than the load`, () => {
  let proxy: DatabaseProxy;
  let service: RunningService | undefined;

  beforeAll(async () => {
    proxy = await databaseProxy(env.mongoUri);
    // The database held keeps requests in flight here: without the database deadline, which would answer them 503 once
    // the held database missed its ping (≈ 1.6 s; database-down.int.test.ts), however long a loaded machine takes to fill the slots.
    service = await env.startService(submission, {
      MONGODB_URI: proxy.uri,
      HTTP_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
      RATE_LIMIT_PER_MINUTE: '0',
      HTTP_DATABASE_CHECK_AFTER_MS: '0',
    });
    expect((await httpClient(service.url).as('programme-manager').get('/calls')).status).toBe(200);
  });

  afterEach(() => {
    proxy.release();
    proxy.delayMs = 0;
  });

  afterAll(async () => {
    proxy?.release();
    await service?.stop();
  });

  const running = () => service!;
  /** A route that does not exist: admitted (404 at once, no database) or refused (503) like any other request. */
  const probeAdmission = async () => (await httpClient(running().url).anonymous().get('/no-such-route')).status;
  const limitReached = () => waitFor(async () => (await probeAdmission()) === 503, { what: `${MAX_IN_FLIGHT} requests in flight (one more refused)` });

  it('given 8 requests in flight at once (the limit), when the database answers, then every one succeeds', async () => {
    const manager = httpClient(running().url).as('programme-manager');
    proxy.hold();
    const answers = Promise.all(Array.from({ length: MAX_IN_FLIGHT }, () => manager.get('/calls')));
    // All eight are in flight together: a ninth request is refused.
    await limitReached();
    proxy.release();
    expect((await answers).map((answer) => answer.status)).toEqual(Array(MAX_IN_FLIGHT).fill(200));
  });

  it('given 60 requests at once, when they run, then the excess is refused with 503 problem+json and Retry-After before the database answers, the rest succeed, none hangs', async () => {
    const manager = httpClient(running().url).as('programme-manager');
    proxy.hold();
    const refused: HttpAnswer[] = [];
    const answers = Promise.all(
      Array.from({ length: 60 }, async () => {
        const answer = await manager.get('/calls');
        if (answer.status === 503) refused.push(answer);
        return answer;
      }),
    );
    // Refused without waiting for the database: every refusal arrives while it still holds the admitted eight.
    await waitFor(() => refused.length === 60 - MAX_IN_FLIGHT, { what: `${60 - MAX_IN_FLIGHT} refusals while the database is held` });
    proxy.release();

    const statuses = (await answers).map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200), `statuses: ${statuses.join(',')}`).toHaveLength(MAX_IN_FLIGHT);
    expect(refused).toHaveLength(60 - MAX_IN_FLIGHT);
    for (const answer of refused) {
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.body).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/overloaded', status: 503, instance: '/calls' });
      expect(answer.body.detail).toContain(`${MAX_IN_FLIGHT} requests are already in progress`);
    }
  });

  it('given a service at its limit, when probed, then /health/live and /health/ready still answer 200', async () => {
    const manager = httpClient(running().url).as('programme-manager');
    // Slow rather than held: readiness pings the database too, and must get its answer.
    proxy.delayMs = 300;
    const burst = Promise.all(Array.from({ length: 3 * MAX_IN_FLIGHT }, () => manager.get('/calls')));
    await limitReached();
    const anonymous = httpClient(running().url).anonymous();
    expect((await anonymous.get('/health/live')).status).toBe(200);
    expect((await anonymous.get('/health/ready')).status).toBe(200);
    expect((await burst).some((answer) => answer.status === 503)).toBe(true);
  });

  it('given callers that went away before their answer, when others come, then they are served (every slot was given back)', async () => {
    const authorization = `Bearer ${await mintDevelopmentToken({ sub: 'impatient', roles: ['programme-manager'] })}`;
    // Their own connections, closed afterwards: global fetch keeps a connection of an aborted request
    // open, and the server's stop would wait for it until its keep-alive timeout (72 s).
    const impatient = new Agent();
    const leaving = new AbortController();
    proxy.hold();
    const abandoned = Array.from({ length: MAX_IN_FLIGHT }, () =>
      request(new URL('/calls', running().url), { dispatcher: impatient, headers: { authorization }, signal: leaving.signal }).then(
        () => 'answered',
        () => 'went away',
      ),
    );
    await limitReached();
    leaving.abort();
    expect(await Promise.all(abandoned)).toEqual(Array(MAX_IN_FLIGHT).fill('went away'));
    await impatient.destroy();
    // Their slots are given back as they leave, while their database reads are still held.
    await waitFor(async () => (await probeAdmission()) === 404, { what: 'the slots given back' });
    proxy.release();
    const manager = httpClient(running().url).as('programme-manager');
    const answers = await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, () => manager.get('/calls')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(MAX_IN_FLIGHT).fill(200));
  });

  // Last: it stops the service.
  it('given callers that went away and left their connections open, when the service stops, then the stop does not wait for those connections', async () => {
    const authorization = `Bearer ${await mintDevelopmentToken({ sub: 'gone', roles: ['programme-manager'] })}`;
    const leaving = new AbortController();
    proxy.hold();
    // Global fetch keeps the connection of an aborted request open, until the server's keep-alive timeout (72 s).
    const gone = Array.from({ length: MAX_IN_FLIGHT }, () =>
      fetch(new URL('/calls', running().url), { headers: { authorization }, signal: leaving.signal }).then(
        () => 'answered',
        () => 'went away',
      ),
    );
    await limitReached();
    leaving.abort();
    expect(await Promise.all(gone)).toEqual(Array(MAX_IN_FLIGHT).fill('went away'));
    proxy.release();
    // Waiting for those connections would take their 72 s keep-alive, past this test's 60 s timeout.
    await running().stop();
    service = undefined;
  });
});
