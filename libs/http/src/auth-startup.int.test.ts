import { describe, expect, it } from 'vitest';
import type { ServiceModule } from '@aap/service-runtime';
import { DEVELOPMENT_JWT_SECRET } from '@aap/http';
import { httpClient, useTestEnvironment } from '@aap/test-harness';

const env = useTestEnvironment();

/** The smallest service: one route for every role, enough to see what authentication lets in. */
const probeService: ServiceModule = {
  name: 'evaluation',
  description: 'authentication start-up test',
  register({ http }) {
    http.get('/whoami', { config: { access: { roles: ['admin'] } } }, async (request) => ({ userId: request.caller!.userId }));
  },
};

describe('a service outside development mode', () => {
  it('without AUTH_JWT_SECRET nor AUTH_JWKS_URL: startService rejects, saying what to set', async () => {
    await expect(env.startService(probeService, { AAP_DEV_MODE: 'false' })).rejects.toThrow(
      /authentication is not configured: set AUTH_JWT_SECRET \(at least 32 bytes.*\) or AUTH_JWKS_URL/,
    );
  });

  it('with the published development secret: startService rejects', async () => {
    await expect(env.startService(probeService, { AAP_DEV_MODE: 'false', AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET })).rejects.toThrow(
      /published development secret/,
    );
  });

  it('with its own secret: starts, and refuses development tokens', async () => {
    const service = await env.startService(probeService, { AAP_DEV_MODE: 'false', AUTH_JWT_SECRET: 'a-production-secret-of-at-least-32-bytes!' });
    const answer = await httpClient(service.url).as('admin').get('/whoami');
    expect(answer.status).toBe(401);
    expect(answer.headers['content-type']).toContain('application/problem+json');
  });
});

describe('a service in development mode (the test harness turns it on)', () => {
  it('accepts development tokens, which carry exp', async () => {
    const service = await env.startService(probeService);
    const answer = await httpClient(service.url).as('admin', { sub: 'operator' }).get('/whoami');
    expect(answer).toMatchObject({ status: 200, body: { userId: 'operator' } });
  });

  it('bound to every interface (HOST=0.0.0.0): startService rejects, before listening', async () => {
    await expect(env.startService(probeService, { HOST: '0.0.0.0' })).rejects.toThrow(/development mode \(AAP_DEV_MODE=true\).*HOST=0\.0\.0\.0 is not one/);
  });

  it('with a JWKS lacking its issuer and audience, or served over http: from another host: startService rejects', async () => {
    await expect(env.startService(probeService, { AAP_DEV_MODE: 'false', AUTH_JWKS_URL: 'https://sso.example/jwks' })).rejects.toThrow(/needs AUTH_ISSUER and AUTH_AUDIENCE/);
    await expect(
      env.startService(probeService, { AAP_DEV_MODE: 'true', AUTH_JWKS_URL: 'http://sso.example/jwks', AUTH_ISSUER: 'https://sso.example', AUTH_AUDIENCE: 'aap' }),
    ).rejects.toThrow(/must be an https: URL/);
  });
});
