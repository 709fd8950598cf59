import { describe, expect, it, beforeAll } from 'vitest';
import { pino } from 'pino';
import { SignJWT } from 'jose';
import { createHttpServer, type HttpServer } from './server';
import { applicantScope, callerOf } from './auth';
import { DEVELOPMENT_JWT_SECRET, mintDevelopmentToken } from './dev-tokens';

const auth = { jwtSecret: DEVELOPMENT_JWT_SECRET };

async function server(): Promise<HttpServer> {
  const app = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth });
  app.get('/calls', { config: { access: { roles: ['programme-manager', 'applicant'] } } }, async (request) => {
    const caller = callerOf(request);
    return { userId: caller.userId, scope: applicantScope(caller) ?? null };
  });
  app.get('/open', { config: { access: { public: true } } }, async () => ({ ok: true }));
  return app;
}

describe('given a route that declares its roles', () => {
  let app: HttpServer;
  beforeAll(async () => {
    app = await server();
  });
  const get = (authorization?: string) => app.inject({ method: 'GET', url: '/calls', headers: authorization ? { authorization } : {} });

  it('without a token: 401 problem+json', async () => {
    const response = await get();
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().detail).toContain('Authorization: Bearer');
  });

  it('with a token signed by another secret: 401', async () => {
    const token = await mintDevelopmentToken({ sub: 'u', roles: ['programme-manager'] }, { secret: 'x'.repeat(40) });
    expect((await get(`Bearer ${token}`)).statusCode).toBe(401);
  });

  it('with an expired token: 401', async () => {
    const token = await mintDevelopmentToken({ sub: 'u', roles: ['programme-manager'] }, { expiresIn: '-1m' });
    const response = await get(`Bearer ${token}`);
    expect(response.statusCode).toBe(401);
    expect(response.json().detail).toMatch(/exp/);
  });

  it('with a role the route does not allow: 403 naming the roles', async () => {
    const token = await mintDevelopmentToken({ sub: 'u', roles: ['reviewer'] });
    const response = await get(`Bearer ${token}`);
    expect(response.statusCode).toBe(403);
    expect(response.json().detail).toBe('this action needs one of the roles: programme-manager, applicant');
  });

  it('with an applicant token without organisation: 401', async () => {
    const token = await new SignJWT({ roles: ['applicant'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(DEVELOPMENT_JWT_SECRET));
    const response = await get(`Bearer ${token}`);
    expect(response.statusCode).toBe(401);
    expect(response.json().detail).toContain('org claim');
  });

  it('with unknown roles in the token: 401 naming the claim', async () => {
    const token = await new SignJWT({ roles: ['superuser'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').sign(new TextEncoder().encode(DEVELOPMENT_JWT_SECRET));
    const response = await get(`Bearer ${token}`);
    expect(response.statusCode).toBe(401);
    expect(response.json().detail).toContain('roles');
  });

  it('with an allowed role: the handler sees the caller; an applicant is scoped to its organisation', async () => {
    const manager = await mintDevelopmentToken({ sub: 'pm-1', roles: ['programme-manager'] });
    expect((await get(`Bearer ${manager}`)).json()).toEqual({ userId: 'pm-1', scope: null });
    const applicant = await mintDevelopmentToken({ sub: 'mairie', roles: ['applicant'], org: '216901231' });
    expect((await get(`Bearer ${applicant}`)).json()).toEqual({ userId: 'mairie', scope: '216901231' });
  });

  it('a public route needs no token', async () => {
    expect((await app.inject({ method: 'GET', url: '/open' })).statusCode).toBe(200);
  });

  it('the OpenAPI document marks the route as needing a bearer token and names its roles', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(document.paths['/calls'].get.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/calls'].get.description).toContain('Roles: programme-manager, applicant.');
  });
});

describe('given a route that does not declare who may call it', () => {
  it('the server refuses it at registration', async () => {
    const app = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth });
    expect(() => app.get('/forgotten', async () => ({}))).toThrow('GET /forgotten declares no access');
  });
});

describe('given an anonymous request with an invalid body', () => {
  it('answers 401 before validating the body', async () => {
    const app = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth });
    const { z } = await import('zod');
    app.post('/things', { config: { access: { roles: ['admin'] } }, schema: { body: z.object({ name: z.string() }) } }, async () => ({}));
    const response = await app.inject({ method: 'POST', url: '/things', payload: { name: 42 } });
    expect(response.statusCode).toBe(401);
  });
});
