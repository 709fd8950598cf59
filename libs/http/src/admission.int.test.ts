import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '@aap/service-runtime';
import { service as submission } from '@aap/submission-service';
import { httpClient, useTestEnvironment, type HttpAnswer } from '@aap/test-harness';
import { databaseProxy, type DatabaseProxy } from './database-proxy.fixture';
import { mintDevelopmentToken } from './dev-tokens';

const env = useTestEnvironment();

const MAX_IN_FLIGHT = 8;
/** Each way, per chunk: one database round trip takes 0.6 s, so every request stays in flight a while. */
const DATABASE_DELAY_MS = 300;

/** Each answer with how long it took. */
async function timed(request: () => Promise<HttpAnswer>): Promise<HttpAnswer & { ms: number }> {
  const started = performance.now();
  const answer = await request();
  return { ...answer, ms: performance.now() - started };
}

describe(`a service limited to ${MAX_IN_FLIGHT} requests in flight, on a database slower than the load`, () => {
  let proxy: DatabaseProxy;
  let service: RunningService | undefined;

  beforeAll(async () => {
    proxy = await databaseProxy(env.mongoUri);
    service = await env.startService(submission, { MONGODB_URI: proxy.uri, HTTP_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT), RATE_LIMIT_PER_MINUTE: '0' });
    expect((await httpClient(service.url).as('programme-manager').get('/calls')).status).toBe(200);
    proxy.delayMs = DATABASE_DELAY_MS;
  });

  afterAll(async () => {
    if (proxy) proxy.delayMs = 0; // a prompt stop: the relay's and consumer's last writes need not crawl
    await service?.stop();
  });

  const running = () => service!;

  it('given 8 slow requests at once (the limit), when they run, then every one succeeds', async () => {
    const manager = httpClient(running().url).as('programme-manager');
    const answers = await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, () => timed(() => manager.get('/calls'))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(MAX_IN_FLIGHT).fill(200));
    // They were slow indeed (the database delay), so they were all in flight together.
    expect(Math.min(...answers.map((answer) => answer.ms))).toBeGreaterThan(2 * DATABASE_DELAY_MS);
  });

  it('given 60 slow requests at once, when they run, then the excess is refused at once with 503 problem+json and Retry-After, the rest succeed, none hangs', async () => {
    const manager = httpClient(running().url).as('programme-manager');
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 60 }, () => timed(() => manager.get('/calls'))));
    const elapsedMs = performance.now() - started;

    const refused = answers.filter((answer) => answer.status === 503);
    const served = answers.filter((answer) => answer.status === 200);
    expect(served.length + refused.length, `statuses: ${answers.map((answer) => answer.status).join(',')}`).toBe(60);
    expect(served.length).toBeGreaterThanOrEqual(MAX_IN_FLIGHT);
    expect(refused.length).toBeGreaterThanOrEqual(60 - 2 * MAX_IN_FLIGHT);
    for (const answer of refused) {
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.body).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/overloaded', status: 503, instance: '/calls' });
      expect(answer.body.detail).toContain(`${MAX_IN_FLIGHT} requests are already in progress`);
    }
    // Refused without waiting for the database: faster than one round trip to it.
    expect(Math.min(...refused.map((answer) => answer.ms))).toBeLessThan(2 * DATABASE_DELAY_MS);
    // Nothing queued behind the others: the whole burst is over in about the time of the served ones.
    expect(elapsedMs).toBeLessThan(15_000);
  });

  it('given a service at its limit, when probed, then /health/live and /health/ready still answer 200', async () => {
    const manager = httpClient(running().url).as('programme-manager');
    const burst = Promise.all(Array.from({ length: 3 * MAX_IN_FLIGHT }, () => manager.get('/calls')));
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
    const abandoned = Array.from({ length: MAX_IN_FLIGHT }, () =>
      request(new URL('/calls', running().url), { dispatcher: impatient, headers: { authorization }, signal: AbortSignal.timeout(DATABASE_DELAY_MS / 2) }).then(
        () => 'answered',
        (error: Error) => error.name,
      ),
    );
    expect(await Promise.all(abandoned)).toEqual(Array(MAX_IN_FLIGHT).fill('TimeoutError'));
    await impatient.destroy();
    // Their slots are given back as they leave, while their database reads are still on the way.
    const manager = httpClient(running().url).as('programme-manager');
    const answers = await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, () => manager.get('/calls')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(MAX_IN_FLIGHT).fill(200));
  });

  // Last: it stops the service.
  it('given callers that went away and left their connections open, when the service stops, then the stop does not wait for those connections', async () => {
    const authorization = `Bearer ${await mintDevelopmentToken({ sub: 'gone', roles: ['programme-manager'] })}`;
    // Global fetch keeps the connection of an aborted request open (until the server's keep-alive timeout, 72 s).
    const gone = await Promise.all(
      Array.from({ length: 4 }, () =>
        fetch(new URL('/calls', running().url), { headers: { authorization }, signal: AbortSignal.timeout(DATABASE_DELAY_MS / 2) }).then(
          () => 'answered',
          (error: Error) => error.name,
        ),
      ),
    );
    expect(gone).toEqual(Array(4).fill('TimeoutError'));
    proxy.delayMs = 0;
    const stopping = Date.now();
    await running().stop();
    service = undefined;
    expect(Date.now() - stopping).toBeLessThan(15_000);
  });
});
