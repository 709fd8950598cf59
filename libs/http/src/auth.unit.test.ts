import { describe, expect, it, beforeAll, vi } from 'vitest';
import { pino } from 'pino';
import { SignJWT } from 'jose';
import { createHttpServer, type HttpServer } from './server';
import { applicantScope, AuthConfigurationError, callerOf, resolveAuthOptions, VerifiedTokens } from './auth';
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
    const token = await new SignJWT({ roles: ['superuser'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(DEVELOPMENT_JWT_SECRET));
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

/** A token signed with the development secret, with exactly these registered claims (seconds since the epoch). */
function signed(claims: { exp?: number; iat?: number; iss?: string; aud?: string }): Promise<string> {
  return new SignJWT({ roles: ['programme-manager'], ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').sign(new TextEncoder().encode(DEVELOPMENT_JWT_SECRET));
}
const nowSeconds = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

describe('given the token lifetime rules (exp required, 12 h at most by default)', () => {
  let app: HttpServer;
  beforeAll(async () => {
    app = await server();
  });
  const statusWith = async (token: string) => {
    const response = await app.inject({ method: 'GET', url: '/calls', headers: { authorization: `Bearer ${token}` } });
    return { status: response.statusCode, detail: response.json().detail as string | undefined };
  };

  it('a token without exp: 401 naming exp', async () => {
    const answer = await statusWith(await signed({ iat: nowSeconds() }));
    expect(answer.status).toBe(401);
    expect(answer.detail).toMatch(/"exp"/);
  });

  it('a token living longer than allowed (from iat): 401 naming the lifetime', async () => {
    const answer = await statusWith(await signed({ iat: nowSeconds(), exp: nowSeconds() + 13 * HOUR }));
    expect(answer.status).toBe(401);
    expect(answer.detail).toContain('lifetime');
  });

  it('without iat, the lifetime is measured from now; a future iat buys no extra time', async () => {
    expect((await statusWith(await signed({ exp: nowSeconds() + 13 * HOUR }))).status).toBe(401);
    expect((await statusWith(await signed({ iat: nowSeconds() + 10 * HOUR, exp: nowSeconds() + 13 * HOUR }))).status).toBe(401);
    expect((await statusWith(await signed({ exp: nowSeconds() + 11 * HOUR }))).status).toBe(200);
  });

  it('a token issued 2 h ago for 12 h in all: accepted', async () => {
    expect((await statusWith(await signed({ iat: nowSeconds() - 2 * HOUR, exp: nowSeconds() + 10 * HOUR }))).status).toBe(200);
  });

  it('a configured maximum applies', async () => {
    const strict = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth: { ...auth, maxTokenLifetimeSeconds: 600 } });
    strict.get('/calls', { config: { access: { roles: ['programme-manager'] } } }, async () => ({}));
    const get = async (token: string) => (await strict.inject({ method: 'GET', url: '/calls', headers: { authorization: `Bearer ${token}` } })).statusCode;
    expect(await get(await mintDevelopmentToken({ sub: 'u', roles: ['programme-manager'] }, { expiresIn: '11m' }))).toBe(401);
    expect(await get(await mintDevelopmentToken({ sub: 'u', roles: ['programme-manager'] }, { expiresIn: '9m' }))).toBe(200);
  });
});

describe('given an issuer and an audience configured', () => {
  let app: HttpServer;
  beforeAll(async () => {
    app = await createHttpServer({
      service: 'test',
      logger: pino({ level: 'silent' }),
      readiness: [],
      auth: { ...auth, issuer: 'https://sso.anct.gouv.fr', audience: 'aap' },
    });
    app.get('/calls', { config: { access: { roles: ['programme-manager'] } } }, async () => ({}));
  });
  const get = async (token: string) => app.inject({ method: 'GET', url: '/calls', headers: { authorization: `Bearer ${token}` } });
  const exp = () => nowSeconds() + HOUR;

  it('the right issuer and audience: 200', async () => {
    expect((await get(await signed({ exp: exp(), iss: 'https://sso.anct.gouv.fr', aud: 'aap' }))).statusCode).toBe(200);
  });

  it.each([
    ['a wrong issuer', { iss: 'https://evil.example', aud: 'aap' }, /"iss"/],
    ['a wrong audience', { iss: 'https://sso.anct.gouv.fr', aud: 'other-app' }, /"aud"/],
    ['no issuer nor audience', {}, /"iss"|"aud"/],
  ])('%s: 401 naming the claim', async (_case, claims, claim) => {
    const response = await get(await signed({ exp: exp(), ...claims }));
    expect(response.statusCode).toBe(401);
    expect(response.json().detail).toMatch(claim);
  });
});

describe('resolveAuthOptions (what a service starts with)', () => {
  it('in development mode without a secret: the published development secret', () => {
    expect(resolveAuthOptions({ developmentMode: true }).jwtSecret).toBe(DEVELOPMENT_JWT_SECRET);
  });

  it('outside development mode without a secret nor JWKS: refused, saying what to set', () => {
    expect(() => resolveAuthOptions({ developmentMode: false })).toThrow(AuthConfigurationError);
    expect(() => resolveAuthOptions({ developmentMode: false })).toThrow(/set AUTH_JWT_SECRET \(at least 32 bytes.*\) or AUTH_JWKS_URL/);
  });

  it('outside development mode with the published development secret: refused', () => {
    expect(() => resolveAuthOptions({ developmentMode: false, jwtSecret: DEVELOPMENT_JWT_SECRET })).toThrow(/published development secret/);
  });

  it('a secret shorter than 32 bytes: refused, in development mode too', () => {
    expect(() => resolveAuthOptions({ developmentMode: false, jwtSecret: 'short-secret' })).toThrow(/too short: at least 32 bytes/);
    expect(() => resolveAuthOptions({ developmentMode: true, jwtSecret: 'x'.repeat(31) })).toThrow(/too short/);
  });

  const jwks = { jwksUrl: 'https://sso.example/jwks', issuer: 'https://sso.example/realms/aap', audience: 'aap-api' };

  it('an own secret of 32 bytes or a JWKS with its issuer and audience: accepted', () => {
    expect(resolveAuthOptions({ developmentMode: false, jwtSecret: 'k'.repeat(32) }).jwtSecret).toBe('k'.repeat(32));
    expect(resolveAuthOptions({ developmentMode: false, host: '0.0.0.0', ...jwks })).toEqual(jwks);
  });

  it.each([
    ['no issuer', { issuer: undefined }, /AUTH_JWKS_URL needs AUTH_ISSUER:/],
    ['no audience', { audience: undefined }, /AUTH_JWKS_URL needs AUTH_AUDIENCE:/],
    ['neither', { issuer: undefined, audience: undefined }, /AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE/],
    ['an http: URL', { jwksUrl: 'http://sso.example/jwks' }, /AUTH_JWKS_URL must be an https: URL \(http: given\)/],
    ['an http: URL on loopback outside development mode', { jwksUrl: 'http://127.0.0.1:8080/jwks' }, /must be an https: URL/],
  ])('a JWKS with %s: refused at start, saying what to set', (_case, change, message) => {
    expect(() => resolveAuthOptions({ developmentMode: false, ...jwks, ...change })).toThrow(AuthConfigurationError);
    expect(() => resolveAuthOptions({ developmentMode: false, ...jwks, ...change })).toThrow(message);
  });

  it('a JWKS over plain http: on loopback in development mode (a local identity provider): accepted; elsewhere refused', () => {
    for (const jwksUrl of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9000/jwks']) {
      expect(resolveAuthOptions({ developmentMode: true, host: '127.0.0.1', ...jwks, jwksUrl }).jwksUrl).toBe(jwksUrl);
    }
    expect(() => resolveAuthOptions({ developmentMode: true, ...jwks, jwksUrl: 'http://sso.example/jwks' })).toThrow(/must be an https: URL/);
  });

  it.each(['0.0.0.0', '::', '192.168.1.10', 'aap.example.org', '128.0.0.1'])('development mode bound to %s (not loopback): refused, saying how to fix it', (host) => {
    expect(() => resolveAuthOptions({ developmentMode: true, host })).toThrow(AuthConfigurationError);
    expect(() => resolveAuthOptions({ developmentMode: true, host })).toThrow(
      new RegExp(`development mode \\(AAP_DEV_MODE=true\\).*HOST=${host.replaceAll('.', '\\.')} is not one: bind 127\\.0\\.0\\.1.*AAP_DEV_MODE=false`),
    );
  });

  it.each(['127.0.0.1', '127.10.0.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1'])('development mode bound to %s (loopback): accepted', (host) => {
    expect(resolveAuthOptions({ developmentMode: true, host }).jwtSecret).toBe(DEVELOPMENT_JWT_SECRET);
  });

  it('outside development mode, any bind: an own secret is enough', () => {
    expect(resolveAuthOptions({ developmentMode: false, host: '0.0.0.0', jwtSecret: 'k'.repeat(32) }).jwtSecret).toBe('k'.repeat(32));
  });

  it('the HTTP server itself refuses a short secret', async () => {
    await expect(createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth: { jwtSecret: 'short' } })).rejects.toThrow(/too short/);
  });
});

describe('given tokens already verified (VerifiedTokens)', () => {
  const caller = { userId: 'u', roles: ['programme-manager' as const] };

  it('a remembered token answers its caller until its exp, then no more', () => {
    const tokens = new VerifiedTokens(10, Number.POSITIVE_INFINITY);
    tokens.set('t', caller, 2_000, 1_000);
    expect(tokens.get('t', 1_999)).toBe(caller);
    expect(tokens.get('t', 2_000)).toBeUndefined();
    expect(tokens.get('t', 1_500)).toBeUndefined(); // gone, not kept for later
  });

  it('with a recheck period, a token is verified again after it even before its exp', () => {
    const tokens = new VerifiedTokens(10, 300);
    tokens.set('t', caller, 10_000, 1_000);
    expect(tokens.get('t', 1_299)).toBe(caller);
    expect(tokens.get('t', 1_300)).toBeUndefined();
  });

  it('at most max tokens are kept: the least recently used goes first', () => {
    const tokens = new VerifiedTokens(2, Number.POSITIVE_INFINITY);
    tokens.set('a', caller, 10_000, 0);
    tokens.set('b', caller, 10_000, 0);
    tokens.get('a', 1); // a is now the most recently used
    tokens.set('c', caller, 10_000, 2);
    expect(tokens.size).toBe(2);
    expect(tokens.get('b', 3)).toBeUndefined();
    expect(tokens.get('a', 3)).toBe(caller);
    expect(tokens.get('c', 3)).toBe(caller);
  });
});

describe('given a token used for many requests', () => {
  let app: HttpServer;
  beforeAll(async () => {
    app = await server();
    app.get('/reviews', { config: { access: { roles: ['reviewer'] } } }, async (request) => {
      // A handler cannot change the caller the next request of the same token gets.
      expect(() => (callerOf(request).roles as string[]).push('admin')).toThrow(TypeError);
      return { roles: callerOf(request).roles };
    });
  });
  const get = (url: string, token: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  it('each route still checks the roles of a remembered token', async () => {
    const reviewer = await mintDevelopmentToken({ sub: 'r', roles: ['reviewer'] });
    expect((await get('/reviews', reviewer)).statusCode).toBe(200);
    expect((await get('/calls', reviewer)).statusCode).toBe(403);
    expect((await get('/reviews', reviewer)).json()).toEqual({ roles: ['reviewer'] });
  });

  it('a remembered token is refused once expired', async () => {
    const token = await mintDevelopmentToken({ sub: 'pm', roles: ['programme-manager'] }, { expiresIn: '2s' });
    expect((await get('/calls', token)).statusCode).toBe(200);
    // The clock (only Date) moves past its exp, instead of the test waiting for it.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3_000 });
    try {
      const response = await get('/calls', token);
      expect(response.statusCode).toBe(401);
      expect(response.json().detail).toMatch(/exp/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a token with one character of its signature changed is refused, even after the genuine one was accepted', async () => {
    const token = await mintDevelopmentToken({ sub: 'pm', roles: ['programme-manager'] });
    expect((await get('/calls', token)).statusCode).toBe(200);
    const forged = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    expect((await get('/calls', forged)).statusCode).toBe(401);
  });
});

describe("given an admin's requests (admins act on every call: audited)", () => {
  const lines: Array<Record<string, unknown>> = [];
  let app: HttpServer;
  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    app = await createHttpServer({ service: 'test', logger, readiness: [], auth });
    const access = { roles: ['programme-manager', 'admin'] as const };
    app.post('/calls/:callId/close', { config: { access } }, async () => ({ ok: true }));
    app.get('/calls/:callId', { config: { access } }, async () => ({ ok: true }));
  });
  const as = async (roles: Array<'admin' | 'programme-manager'>, method: 'GET' | 'POST', url: string) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${await mintDevelopmentToken({ sub: `u-${roles.join('-')}`, roles })}` }, ...(method === 'POST' ? { payload: {} } : {}) });
  const audits = () => lines.filter((line) => line.audit).map((line) => line.audit);

  it('a change made with the admin role is logged with who, what and the answer; reads and other roles are not', async () => {
    await as(['admin'], 'POST', '/calls/c-1/close');
    await as(['programme-manager'], 'POST', '/calls/c-2/close');
    await as(['admin'], 'GET', '/calls/c-1');
    await as(['programme-manager', 'admin'], 'POST', '/calls/c-3/close');
    expect(audits()).toEqual([
      { userId: 'u-admin', method: 'POST', url: '/calls/c-1/close', status: 200 },
      { userId: 'u-programme-manager-admin', method: 'POST', url: '/calls/c-3/close', status: 200 },
    ]);
  });
});
