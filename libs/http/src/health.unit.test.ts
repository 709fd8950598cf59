import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { createHttpServer, type HttpServer } from './server';
import { READINESS_CHECK_TIMEOUT_MS, type ReadinessCheck } from './health';
import { DEVELOPMENT_JWT_SECRET } from './dev-tokens';

const auth = { jwtSecret: DEVELOPMENT_JWT_SECRET };
const PUBLIC = { access: { public: true } } as const;

const servers: HttpServer[] = [];
async function serverWith(readiness: ReadinessCheck[]): Promise<HttpServer> {
  const app = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness, auth });
  servers.push(app);
  await app.ready();
  return app;
}

const ok = (name: string): ReadinessCheck => ({ name, check: async () => {} });
const failing = (name: string, message: string): ReadinessCheck => ({
  name,
  check: async () => {
    throw new Error(message);
  },
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((app) => app.close()));
});

describe('/health/live', () => {
  it('given a failing dependency, when asking liveness, then 200 ok: the process itself answers', async () => {
    const app = await serverWith([failing('database', 'down')]);

    const response = await app.inject({ method: 'GET', url: '/health/live' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('/health/ready', () => {
  it('given every check passing, when asking readiness, then 200 with each check ok', async () => {
    const app = await serverWith([ok('database'), ok('kafka')]);

    const response = await app.inject({ method: 'GET', url: '/health/ready' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', checks: { database: { status: 'ok' }, kafka: { status: 'ok' } } });
  });

  it('given no check at all, when asking readiness, then 200', async () => {
    const app = await serverWith([]);

    const response = await app.inject({ method: 'GET', url: '/health/ready' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', checks: {} });
  });

  it('given one check throwing, when asking readiness, then 503 naming that check, never its error nor a host', async () => {
    const app = await serverWith([ok('database'), failing('kafka', 'ECONNREFUSED 127.0.0.1:9092')]);

    const response = await app.inject({ method: 'GET', url: '/health/ready' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'unavailable',
      checks: { database: { status: 'ok' }, kafka: { status: 'unavailable' } },
    });
    expect(response.body).not.toContain('127.0.0.1');
    expect(response.body).not.toContain('ECONNREFUSED');
  });

  it('given a check that hangs, when READINESS_CHECK_TIMEOUT_MS (2 s) passes, then it is reported unavailable (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let checkStarted!: () => void;
    const started = new Promise<void>((resolve) => (checkStarted = resolve));
    const app = await serverWith([
      ok('database'),
      {
        name: 'kafka',
        check: () => {
          checkStarted();
          return new Promise<void>(() => {});
        },
      },
    ]);

    let answered = false;
    const pending = app.inject({ method: 'GET', url: '/health/ready' }).then((response) => {
      answered = true;
      return response;
    });
    await started;
    await vi.advanceTimersByTimeAsync(READINESS_CHECK_TIMEOUT_MS - 1);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const response = await pending;

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'unavailable',
      checks: { database: { status: 'ok' }, kafka: { status: 'unavailable' } },
    });
  });

  it('given a check answering after a while but within READINESS_CHECK_TIMEOUT_MS, when asking readiness, then it is ok', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const app = await serverWith([{ name: 'slow', check: () => new Promise<void>((resolve) => setTimeout(resolve, READINESS_CHECK_TIMEOUT_MS - 100)) }]);

    const pending = app.inject({ method: 'GET', url: '/health/ready' });
    await vi.advanceTimersByTimeAsync(READINESS_CHECK_TIMEOUT_MS - 100);
    const response = await pending;

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', checks: { slow: { status: 'ok' } } });
  });

  it('given a check whose error names the part behind it, when asking readiness, then 503 naming that part, never the error', async () => {
    const app = await serverWith([
      { ...failing('database', 'failed to connect to `user=aap database=postgres`: 127.0.0.1:25432 connection refused'), partOf: () => 'postgresql' },
      ok('kafka'),
    ]);

    const response = await app.inject({ method: 'GET', url: '/health/ready' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', checks: { database: { status: 'unavailable', part: 'postgresql' }, kafka: { status: 'ok' } } });
    expect(response.body).not.toContain('127.0.0.1');
  });
});
