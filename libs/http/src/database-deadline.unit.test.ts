import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { createHttpServer, type HttpServer } from './server';
import { databaseDeadlinePlugin, DATABASE_CHECK_AFTER_MS, DATABASE_PING_TIMEOUT_MS } from './database-deadline';
import { READINESS_CHECK_TIMEOUT_MS, type ReadinessCheck } from './health';
import { partBehindDatabase, unavailablePartOf } from './errors';
import { DEVELOPMENT_JWT_SECRET } from './dev-tokens';

/** FerretDB 1.24's answers once its PostgreSQL was killed (SIGKILL), and while it restarts: copied from a run. */
const ferretdbError = (message: string) => Object.assign(new Error(message), { name: 'MongoServerError', code: 1, codeName: 'InternalError' });
const POSTGRES_GONE = [
  '[msg_find.go:344 handler.handleMaxTimeMSError] [query_iterator.go:92 postgresql.(*queryIterator).Next] FATAL: terminating connection due to unexpected postmaster exit (SQLSTATE 57P01)',
  '[msg_insert.go:168 handler.(*Handler).MsgInsert] failed to connect to `user=aap database=postgres`:\n\t127.0.0.1:25432 (127.0.0.1): dial error: dial tcp 127.0.0.1:25432: connect: connection refused',
  '[msg_find.go:344 handler.handleMaxTimeMSError] [collection.go:109 postgresql.(*collection).Query] failed to connect to `user=aap database=postgres`:\n\t127.0.0.1:25432 (127.0.0.1): server error: FATAL: the database system is starting up (SQLSTATE 57P03)',
];

describe('the part of the store an error says is down', () => {
  it.each(POSTGRES_GONE)('given FerretDB answering %s, then the PostgreSQL behind it', (message) => {
    expect(unavailablePartOf(ferretdbError(message))).toBe('postgresql');
    expect(partBehindDatabase(ferretdbError(message))).toBe('postgresql');
  });

  it('given the driver not reaching the database, then the database itself (no part behind it)', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { name: 'MongoServerSelectionError' });
    expect(unavailablePartOf(error)).toBe('database');
    expect(partBehindDatabase(error)).toBeUndefined();
  });

  it('given another error of FerretDB (a bad request, a duplicate key), then none: not a 503', () => {
    expect(unavailablePartOf(ferretdbError('[msg_find.go:1] unknown operator: $nope'))).toBeUndefined();
    expect(unavailablePartOf(Object.assign(new Error('E11000 duplicate key'), { name: 'MongoServerError', code: 11000 }))).toBeUndefined();
  });
});

const servers: HttpServer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((app) => app.close()));
});

/** A server whose one route waits for `operation`, under the deadline with this database check. */
async function serverWith(database: ReadinessCheck, operation: () => Promise<unknown>): Promise<HttpServer> {
  const app = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [database], auth: { jwtSecret: DEVELOPMENT_JWT_SECRET } });
  servers.push(app);
  await app.register(databaseDeadlinePlugin, { database });
  app.get('/slow', { config: { access: { public: true } } }, async () => ({ done: await operation() }));
  await app.ready();
  return app;
}

const never = () => new Promise<never>(() => {});
const after = (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve('yes'), ms));

describe('a request while the database hangs', () => {
  it('given the database ping hanging too, when the check timeout passes, then 503 problem+json with Retry-After (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const app = await serverWith({ name: 'database', check: never }, never);

    let answered = false;
    const pending = app.inject({ method: 'GET', url: '/slow' }).finally(() => (answered = true));
    await vi.advanceTimersByTimeAsync(DATABASE_CHECK_AFTER_MS + DATABASE_PING_TIMEOUT_MS - 1);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const response = await pending;

    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(response.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/service-unavailable', status: 503, detail: expect.stringContaining('the database does not answer') });
  });

  it('given the ping failing with PostgreSQL gone behind FerretDB, then 503 naming it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const app = await serverWith({ name: 'database', check: async () => Promise.reject(ferretdbError(POSTGRES_GONE[1]!)), partOf: partBehindDatabase }, never);

    const pending = app.inject({ method: 'GET', url: '/slow' });
    await vi.advanceTimersByTimeAsync(DATABASE_CHECK_AFTER_MS);
    const response = await pending;

    expect(response.statusCode).toBe(503);
    expect(response.json().detail).toContain('PostgreSQL');
    expect(response.body).not.toMatch(/127\.0\.0\.1|25432/);
  });

  it('given a slow operation while the database answers its ping, then it runs to its end (checked again at the same pace)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let pings = 0;
    const app = await serverWith({ name: 'database', check: async () => void pings++ }, () => after(5 * DATABASE_CHECK_AFTER_MS + 10));

    const pending = app.inject({ method: 'GET', url: '/slow' });
    await vi.advanceTimersByTimeAsync(5 * DATABASE_CHECK_AFTER_MS + 10);
    const response = await pending;

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ done: 'yes' });
    expect(pings).toBe(5);
  });

  it('given readiness itself, then it answers its own checks (no deadline of the route)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const app = await serverWith({ name: 'database', check: never }, never);

    const pending = app.inject({ method: 'GET', url: '/health/ready' });
    await vi.advanceTimersByTimeAsync(READINESS_CHECK_TIMEOUT_MS);
    const response = await pending;

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', checks: { database: { status: 'unavailable' } } });
  });
});
