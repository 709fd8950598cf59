import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pino } from 'pino';
import multipart from '@fastify/multipart';
import { createHttpServer, type HttpServer } from './server';
import { DEVELOPMENT_JWT_SECRET, mintDevelopmentToken } from './dev-tokens';
import { HttpProblem } from './problem';

const auth = { jwtSecret: DEVELOPMENT_JWT_SECRET };
const PUBLIC = { access: { public: true } } as const;
const PROBLEM = /^application\/problem\+json/;

/** A server with the routes that meet fastify's and its plugins' own errors. */
async function buildServer(options: { rateLimitPerMinute?: number } = {}): Promise<HttpServer> {
  const app = await createHttpServer({ service: 'test', logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), readiness: [], auth, ...options });
  await app.register(multipart, { limits: { fileSize: 1_024 } });
  app.get(
    '/dossiers',
    { config: PUBLIC, schema: { querystring: z.object({ status: z.enum(['draft', 'submitted']).optional(), page: z.coerce.number().int().default(1) }) } },
    async (request) => request.query,
  );
  app.get('/dossiers/:dossierId', { config: PUBLIC, schema: { params: z.object({ dossierId: z.string().max(100) }) } }, async (request) => request.params);
  app.post('/dossiers', { config: PUBLIC, bodyLimit: 1_000, schema: { body: z.object({ label: z.string().max(500) }) } }, async (request) => request.body);
  app.post('/attachments', { config: PUBLIC }, async (request) => {
    const file = await request.file();
    if (!file) throw new HttpProblem(400, 'file-required', 'A file is required');
    return { size: (await file.toBuffer()).length };
  });
  app.get('/me', { config: { access: { roles: ['applicant', 'admin'] } } }, async (request) => ({ userId: request.caller!.userId }));
  app.get('/database-down', { config: PUBLIC }, async () => {
    throw Object.assign(new Error('Server selection timed out after 1000 ms (127.0.0.1:27017)'), { name: 'MongooseServerSelectionError' });
  });
  app.get('/database-gone', { config: PUBLIC }, async () => {
    throw Object.assign(new Error('connection 3 to 127.0.0.1:27017 closed'), { name: 'MongoNetworkError' });
  });
  await app.ready();
  return app;
}

const multipartBody = (boundary: string, content: string, end = true) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n${content}\r\n${end ? `--${boundary}--\r\n` : ''}`;

describe('request edges answer 4xx problem+json, never fastify’s own JSON nor a 500', () => {
  let app: HttpServer;
  beforeAll(async () => {
    app = await buildServer();
  });
  afterAll(() => app.close());

  it('given an unknown query parameter, then 400 naming it (and each of several)', async () => {
    const response = await app.inject({ method: 'GET', url: '/dossiers?status=draft&number=AAP-1&sort=x' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.json().errors).toEqual([
      { in: 'query', name: 'number', pointer: '#/number', detail: 'is not a parameter of this route' },
      { in: 'query', name: 'sort', pointer: '#/sort', detail: 'is not a parameter of this route' },
    ]);
  });

  it('given a query parameter on a route that takes none, then 400 naming it', async () => {
    const response = await app.inject({ method: 'GET', url: '/dossiers/d-1?debug=true' });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ in: 'query', name: 'debug', pointer: '#/debug', detail: 'is not a parameter of this route' }]);
  });

  it('given known query parameters, then they are accepted and coerced', async () => {
    const response = await app.inject({ method: 'GET', url: '/dossiers?status=submitted&page=2' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'submitted', page: 2 });
  });

  it('given a path parameter over its maximum, then 400 naming it', async () => {
    const response = await app.inject({ method: 'GET', url: `/dossiers/${'x'.repeat(150)}` });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.json().errors).toEqual([expect.objectContaining({ in: 'params', name: 'dossierId' })]);
  });

  it('given a path parameter longer than any route accepts, then 414 problem+json (not fastify’s JSON), without echoing it all', async () => {
    const response = await app.inject({ method: 'GET', url: `/dossiers/${'x'.repeat(5_000)}` });
    expect(response.statusCode).toBe(414);
    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/uri-too-long', status: 414 });
    expect(response.json().detail.length).toBeLessThan(300);
  });

  it('given a URL that does not decode, then 400 problem+json', async () => {
    const response = await app.inject({ method: 'GET', url: '/dossiers/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/bad-url', status: 400 });
  });

  it('given a body over the limit, then 413 problem+json', async () => {
    const response = await app.inject({ method: 'POST', url: '/dossiers', payload: { label: 'x'.repeat(2_000) } });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/body-too-large', status: 413 });
  });

  it('given an unknown body field on a strict schema, then 400 naming it', async () => {
    const strict = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth });
    strict.put('/preferences', { config: PUBLIC, schema: { body: z.strictObject({ email: z.boolean() }) } }, async (request) => request.body);
    const response = await strict.inject({ method: 'PUT', url: '/preferences', payload: { email: true, sms: true } });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ in: 'body', name: 'sms', pointer: '#/sms', detail: 'is not a field of this request' }]);
  });

  it('given multipart without a boundary, then 400 problem+json', async () => {
    const response = await app.inject({ method: 'POST', url: '/attachments', headers: { 'content-type': 'multipart/form-data' }, payload: 'whatever' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/invalid-multipart', status: 400 });
  });

  it('given a truncated multipart body, then 400 problem+json', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/attachments',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      payload: multipartBody('XyZ', `%PDF-1.7${'x'.repeat(500)}`, false),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/invalid-multipart' });
  });

  it('given a multipart file over its limit, then 413 problem+json', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/attachments',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      payload: multipartBody('XyZ', 'x'.repeat(5_000)),
    });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(PROBLEM);
  });

  it('given a well-formed multipart body, then the route reads it', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/attachments',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      payload: multipartBody('XyZ', '%PDF-1.7'),
    });
    expect(response.json()).toEqual({ size: 8 });
  });

  it('given a route calling a database that does not answer, then 503 problem+json with Retry-After and no host', async () => {
    for (const url of ['/database-down', '/database-gone']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(PROBLEM);
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
      expect(response.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/service-unavailable', status: 503 });
      expect(response.body).not.toContain('27017');
    }
  });

  it('security headers are set on every answer, and /docs keeps a policy that lets swagger-ui run', async () => {
    const api = await app.inject({ method: 'GET', url: '/dossiers' });
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['content-security-policy']).toContain("default-src 'self'");
    expect(api.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(api.headers['x-frame-options']).toBe('SAMEORIGIN');
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(docs.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    const script = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(script.statusCode).toBe(200);
  });
});

describe('rate limiting per caller', () => {
  let app: HttpServer;
  beforeAll(async () => {
    app = await buildServer({ rateLimitPerMinute: 3 });
  });
  afterAll(() => app.close());

  it('given a caller over its limit, then 429 problem+json with Retry-After; another caller and health probes are not affected', async () => {
    const lyon = await mintDevelopmentToken({ sub: 'lyon', roles: ['applicant'], org: '216901231' });
    const other = await mintDevelopmentToken({ sub: 'other', roles: ['admin'] });
    const as = (token: string) => app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 3; i++) expect((await as(lyon)).statusCode).toBe(200);
    const refused = await as(lyon);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(PROBLEM);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/too-many-requests', status: 429 });
    expect((await as(other)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });

  it('given anonymous requests, then they are counted by address', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await app.inject({ method: 'GET', url: '/dossiers', remoteAddress: '203.0.113.7' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await app.inject({ method: 'GET', url: '/dossiers', remoteAddress: '203.0.113.8' })).statusCode).toBe(200);
  });
});
