import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { RunningService, ServiceModule } from '@aap/service-runtime';
import { httpClient, useTestEnvironment } from '@aap/test-harness';
import { mintDevelopmentToken } from './dev-tokens';

const env = useTestEnvironment();

/** The smallest service: one route for admins, enough to see which tokens authentication lets in. */
const probeService: ServiceModule = {
  name: 'evaluation',
  description: 'OIDC/JWKS verification test',
  register({ http }) {
    http.get('/whoami', { config: { access: { roles: ['admin'] } } }, async (request) => ({ userId: request.caller!.userId, roles: request.caller!.roles }));
  },
};

const ISSUER = 'https://idp.test.aap.invalid/realms/aap';
const AUDIENCE = 'aap-api';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function signingKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function token(key: SigningKey, claims: { iss?: string; aud?: string; sub?: string; roles?: string[] } = {}): Promise<string> {
  return new SignJWT({ roles: claims.roles ?? ['admin'] })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setSubject(claims.sub ?? `oidc-${key.alg}`)
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key.privateKey);
}

/**
 * A real service verifying real RS256 and ES256 tokens against the JWKS of an identity provider,
 * here a local HTTP server publishing the public keys (what Keycloak or any OIDC provider serves at
 * its jwks_uri).
 */
describe('a service verifying tokens with an OIDC provider’s JWKS', () => {
  let jwksServer: Server;
  let service: RunningService;
  let rsa: SigningKey;
  let ec: SigningKey;
  let unpublished: SigningKey;
  let jwksRequests = 0;

  beforeAll(async () => {
    [rsa, ec, unpublished] = await Promise.all([signingKey('RS256', 'rsa-1'), signingKey('ES256', 'ec-1'), signingKey('RS256', 'rsa-1')]);
    jwksServer = createServer((request, response) => {
      jwksRequests++;
      if (request.url !== '/protocol/openid-connect/certs') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [rsa.publicJwk, ec.publicJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    service = await env.startService(probeService, {
      // A provider on loopback over plain http: is accepted in development mode only (production needs https:);
      // with a JWKS, development mode still refuses the development secret (the last case below).
      AAP_DEV_MODE: 'true',
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/protocol/openid-connect/certs`,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
    });
  });

  afterAll(async () => {
    await service?.stop();
    jwksServer?.closeAllConnections();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  const whoami = (bearer: string) => httpClient(service.url).withToken(bearer).get('/whoami');

  it('accepts an RS256 token signed by a published key, with the caller from its claims', async () => {
    const answer = await whoami(await token(rsa, { sub: 'alice' }));
    expect(answer).toMatchObject({ status: 200, body: { userId: 'alice', roles: ['admin'] } });
    expect(jwksRequests).toBeGreaterThan(0); // the keys came from the provider's JWKS
  });

  it('accepts an ES256 token signed by a published key', async () => {
    expect(await whoami(await token(ec, { sub: 'bob' }))).toMatchObject({ status: 200, body: { userId: 'bob' } });
  });

  it.each([
    ['signed by a key the provider does not publish (same kid)', async () => token(unpublished)],
    ['from another issuer', async () => token(rsa, { iss: 'https://evil.example/realms/aap' })],
    ['for another audience', async () => token(ec, { aud: 'another-api' })],
    ['signed with the development secret (HS256)', async () => mintDevelopmentToken({ sub: 'dev', roles: ['admin'] })],
  ])('refuses a token %s: 401 problem+json', async (_case, make) => {
    const answer = await whoami(await make());
    expect(answer.status).toBe(401);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.body.detail).toMatch(/invalid token/);
  });

  it('checks the roles of a verified token: a valid token without the role gets 403', async () => {
    expect((await whoami(await token(rsa, { roles: ['reviewer'] }))).status).toBe(403);
  });
});
