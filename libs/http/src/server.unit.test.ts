import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pino } from 'pino';
import { createHttpServer, type HttpServer } from './server';
import { conflict, HttpProblem, notFound, PROBLEM_CONTENT_TYPE, unprocessable } from './problem';
import { DEVELOPMENT_JWT_SECRET } from './dev-tokens';

const auth = { jwtSecret: DEVELOPMENT_JWT_SECRET };
const PUBLIC = { access: { public: true } } as const;

const TRACE_RESPONSE = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A service with a few routes exercising every path of the error handler. */
async function buildTestServer(): Promise<HttpServer> {
  const app = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth });

  app.post(
    '/dossiers',
    { config: PUBLIC,
      schema: {
        summary: 'Create a test dossier',
        querystring: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
        body: z.object({
          label: z.string().min(3),
          budget: z.object({ requestedCents: z.number().int().positive() }),
        }),
        response: { 201: z.object({ id: z.string(), label: z.string() }) },
      },
    },
    async (request, reply) => reply.status(201).send({ id: 'd-1', label: request.body.label }),
  );

  app.get(
    '/dossiers',
    { config: PUBLIC, schema: { querystring: z.object({ page: z.coerce.number().int().min(1), size: z.coerce.number().int().max(100).default(20) }) } },
    async (request) => ({ page: request.query.page, size: request.query.size }),
  );

  app.post('/dossiers/:id/submit', { config: PUBLIC }, async () => {
    throw unprocessable('The dossier cannot be submitted', [
      { name: 'window-open', in: 'rule', detail: 'the call for projects closed on 2025-01-31' },
      { name: 'budget', in: 'body', pointer: '#/budget', detail: 'exceeds the ceiling' },
    ]);
  });
  app.get('/missing', { config: PUBLIC }, async () => {
    throw notFound('Dossier d-404');
  });
  app.get('/conflict', { config: PUBLIC }, async () => {
    throw conflict('already submitted');
  });
  app.get('/teapot', { config: PUBLIC }, async () => {
    throw new HttpProblem(418, 'teapot', 'I am a teapot');
  });
  app.get('/boom', { config: PUBLIC }, async () => {
    throw new Error('connection string mongodb://admin:hunter2@db leaked');
  });
  app.get(
    '/bad-response',
    { config: PUBLIC, schema: { response: { 200: z.object({ id: z.string() }) } } },
    async () => ({ id: 42 }) as unknown as { id: string },
  );

  await app.ready();
  return app;
}

describe('createHttpServer', () => {
  let app: HttpServer;
  beforeAll(async () => {
    app = await buildTestServer();
  });
  afterAll(() => app.close());

  describe('request validation', () => {
    it('given a valid body, when posting, then the route answers with its schema-checked response', async () => {
      const response = await app.inject({ method: 'POST', url: '/dossiers', payload: { label: 'Solar farm', budget: { requestedCents: 100 } } });

      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({ id: 'd-1', label: 'Solar farm' });
    });

    it('given a body failing two fields, when posting, then 400 problem+json lists one error per field', async () => {
      const response = await app.inject({ method: 'POST', url: '/dossiers', payload: { label: 'x', budget: { requestedCents: -5 } } });

      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = response.json();
      expect(problem).toMatchObject({
        type: 'https://aap.anct.gouv.fr/problems/validation',
        title: 'The request is invalid',
        status: 400,
        detail: '2 field(s) failed validation',
        instance: '/dossiers',
      });
      expect(problem.errors).toEqual([
        { in: 'body', name: 'label', pointer: '#/label', detail: expect.stringMatching(/.+/) },
        { in: 'body', name: 'budget.requestedCents', pointer: '#/budget/requestedCents', detail: expect.stringMatching(/.+/) },
      ]);
    });

    it('given a body missing a required field, when posting, then the missing field is named', async () => {
      const response = await app.inject({ method: 'POST', url: '/dossiers', payload: { budget: { requestedCents: 1 } } });

      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([{ in: 'body', name: 'label', pointer: '#/label', detail: expect.any(String) }]);
    });

    it('given no body at all, when posting, then the single error points at the whole body (#)', async () => {
      const response = await app.inject({ method: 'POST', url: '/dossiers' });

      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([{ in: 'body', name: 'body', pointer: '#', detail: expect.any(String) }]);
    });

    it('given a querystring failure, when calling, then the errors say in: query', async () => {
      const response = await app.inject({ method: 'GET', url: '/dossiers?page=0&size=500' });

      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ status: 400, instance: '/dossiers?page=0&size=500' });
      expect(response.json().errors).toEqual([
        { in: 'query', name: 'page', pointer: '#/page', detail: expect.any(String) },
        { in: 'query', name: 'size', pointer: '#/size', detail: expect.any(String) },
      ]);
    });

    it('given a valid querystring, when calling, then it is coerced and defaulted', async () => {
      const response = await app.inject({ method: 'GET', url: '/dossiers?page=2' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ page: 2, size: 20 });
    });

    it('given a body that is not JSON, when posting, then 400 problem+json (not a 500)', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/dossiers',
        headers: { 'content-type': 'application/json' },
        payload: '{"label": ',
      });

      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({
        type: 'https://aap.anct.gouv.fr/problems/invalid-json',
        status: 400,
        instance: '/dossiers',
        detail: expect.stringContaining('not valid JSON'),
      });
    });

    it('given an unsupported content type, when posting, then 415 problem+json', async () => {
      const response = await app.inject({ method: 'POST', url: '/dossiers', headers: { 'content-type': 'text/xml' }, payload: '<dossier/>' });

      expect(response.statusCode).toBe(415);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ type: 'https://aap.anct.gouv.fr/problems/unsupported-media-type', status: 415 });
    });
  });

  describe('problems thrown by routes', () => {
    it('given a route throwing unprocessable(...), when calling, then 422 problem+json carries its rule errors', async () => {
      const response = await app.inject({ method: 'POST', url: '/dossiers/d-1/submit' });

      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toEqual({
        type: 'https://aap.anct.gouv.fr/problems/rule-violation',
        title: 'The request breaks one or more rules',
        status: 422,
        detail: 'The dossier cannot be submitted',
        instance: '/dossiers/d-1/submit',
        errors: [
          { name: 'window-open', in: 'rule', detail: 'the call for projects closed on 2025-01-31' },
          { name: 'budget', in: 'body', pointer: '#/budget', detail: 'exceeds the ceiling' },
        ],
      });
    });

    it.each([
      ['/missing', 404, 'https://aap.anct.gouv.fr/problems/not-found', 'Dossier d-404 was not found'],
      ['/conflict', 409, 'https://aap.anct.gouv.fr/problems/conflict', 'already submitted'],
    ])('given a route throwing a problem (%s), when calling, then it answers %i with that problem', async (url, status, type, detail) => {
      const response = await app.inject({ method: 'GET', url });

      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toEqual({ type, title: expect.any(String), status, detail, instance: url });
    });

    it('given a problem without detail or errors, when calling, then those members are omitted', async () => {
      const response = await app.inject({ method: 'GET', url: '/teapot' });

      expect(response.statusCode).toBe(418);
      expect(response.json()).toEqual({ type: 'https://aap.anct.gouv.fr/problems/teapot', title: 'I am a teapot', status: 418, instance: '/teapot' });
    });

    it('given an unexpected exception, when calling, then 500 problem+json without the exception message', async () => {
      const response = await app.inject({ method: 'GET', url: '/boom' });

      expect(response.statusCode).toBe(500);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toEqual({ type: 'about:blank', title: 'Internal server error', status: 500, instance: '/boom' });
      expect(response.body).not.toContain('hunter2');
      expect(response.body).not.toContain('connection string');
    });

    it('given a response breaking its schema, when calling, then 500 problem+json (nothing of the bad response)', async () => {
      const response = await app.inject({ method: 'GET', url: '/bad-response' });

      expect(response.statusCode).toBe(500);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toEqual({ type: 'about:blank', title: 'Internal server error', status: 500, instance: '/bad-response' });
    });
  });

  describe('unknown routes', () => {
    it('given an unknown route, when calling, then 404 problem+json names the method and path without the query', async () => {
      const response = await app.inject({ method: 'DELETE', url: '/nowhere?x=1' });

      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toEqual({
        type: 'https://aap.anct.gouv.fr/problems/not-found',
        title: 'Not found',
        status: 404,
        detail: 'No route DELETE /nowhere',
        instance: '/nowhere?x=1',
      });
    });
  });

  describe('OpenAPI document', () => {
    it('given the test routes, when fetching /openapi.json, then it lists them with their zod-generated schemas', async () => {
      const response = await app.inject({ method: 'GET', url: '/openapi.json' });

      expect(response.statusCode).toBe(200);
      const document = response.json();
      expect(document.openapi).toBe('3.1.0');
      expect(document.info.title).toBe('AAP test service');
      expect(document.paths['/dossiers'].post.summary).toBe('Create a test dossier');
      expect(document.paths['/dossiers'].post.requestBody.content['application/json'].schema).toMatchObject({
        type: 'object',
        required: ['label', 'budget'],
        properties: { label: { type: 'string', minLength: 3 } },
      });
      expect(document.paths['/dossiers'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(
        expect.arrayContaining(['query:page', 'query:size']),
      );
      expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready', '/dossiers/{id}/submit']));
      expect(document.paths).not.toHaveProperty('/openapi.json');
    });
  });

  describe('tracing', () => {
    it.each([
      ['a successful request', 'GET', '/health/live'],
      ['a failing request', 'GET', '/boom'],
      ['an unknown route', 'GET', '/nowhere'],
    ])('given %s, when answering, then the response carries a W3C traceresponse header', async (_, method, url) => {
      const response = await app.inject({ method: method as 'GET', url });

      expect(response.headers.traceresponse).toMatch(TRACE_RESPONSE);
    });
  });
});

describe('request logging', () => {
  it('given a request, when it is answered, then one line says method, path, status and time, with the request id', async () => {
    const lines: Array<Record<string, any>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const app = await createHttpServer({ service: 'test', logger, readiness: [], auth });
    app.get('/missing', { config: PUBLIC }, async () => {
      throw notFound('Dossier d-404');
    });
    await app.inject({ method: 'GET', url: '/missing', headers: { 'x-request-id': 'req-42' } });
    await app.close();

    const requestLines = lines.filter((line) => line.reqId === 'req-42');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ msg: 'request completed', req: { method: 'GET', url: '/missing' }, res: { statusCode: 404 } });
    expect(requestLines[0]!.responseTime).toBeGreaterThanOrEqual(0);
  });
});
