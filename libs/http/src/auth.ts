import { webcrypto } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { HttpProblem } from './problem';

export const ROLES = ['programme-manager', 'applicant', 'reviewer', 'committee', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who may call a route. Every route declares it (`config.access`); the server refuses to start otherwise. */
export type Access = { public: true } | { roles: readonly Role[] };

/** The authenticated caller, from the verified token. */
export interface Caller {
  userId: string;
  roles: Role[];
  /** SIREN (9 digits) or SIRET (14 digits) of the applicant's organisation; required for applicants. */
  organisation?: string;
  name?: string;
  email?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    caller?: Caller;
  }
}

export interface AuthOptions {
  /** HS256 shared secret, at least 32 bytes. */
  jwtSecret?: string;
  /** JWKS of an OIDC provider (production): RS256/ES256 tokens. Takes precedence over the secret. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Longest accepted lifetime of a token, exp − iat (or exp − now without iat); 12 h by default. */
  maxTokenLifetimeSeconds?: number;
}

export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;

/**
 * Default HS256 secret outside production, shared by `npm start`, the tests and `npm run token`
 * (dev-tokens.ts mints with it); here because auth refuses it in production.
 */
export const DEVELOPMENT_JWT_SECRET = 'aap-development-secret-do-not-use-in-production';
const MIN_SECRET_BYTES = 32;

/** Why a service's authentication settings cannot let it start. */
export class AuthConfigurationError extends Error {
  override name = 'AuthConfigurationError';
}

/**
 * The authentication a service starts with. The published development secret is only ever accepted in
 * explicit development mode (AAP_DEV_MODE=true, set by `npm start` and the tests), and development mode
 * only on a loopback bind (`host`), so that secret is never accepted from the network. Anywhere else a
 * service needs its own secret or a JWKS, whatever NODE_ENV says, and refuses to start without one. A
 * JWKS needs the issuer and the audience its tokens must name, and an https: URL (plain http: only on
 * loopback in development mode: a local identity provider); otherwise a token minted by the provider for
 * another application, or keys served by whoever sits on the path, would be accepted.
 */
export function resolveAuthOptions(settings: AuthOptions & { developmentMode: boolean; host?: string }): AuthOptions {
  const { developmentMode, host, ...options } = settings;
  if (developmentMode && host !== undefined && !isLoopbackHost(host)) {
    throw new AuthConfigurationError(
      `development mode (AAP_DEV_MODE=true) accepts tokens signed with the published development secret, so it only listens on a loopback address, and HOST=${host} is not one: ` +
        'bind 127.0.0.1 (the default, HOST unset), or run without development mode (AAP_DEV_MODE=false) with AUTH_JWT_SECRET, or AUTH_JWKS_URL with AUTH_ISSUER and AUTH_AUDIENCE',
    );
  }
  if (options.jwksUrl) {
    assertJwksSettings(options, developmentMode);
    return options;
  }
  if (!options.jwtSecret) {
    if (developmentMode) return { ...options, jwtSecret: DEVELOPMENT_JWT_SECRET };
    throw new AuthConfigurationError(
      'authentication is not configured: set AUTH_JWT_SECRET (at least 32 bytes, e.g. `openssl rand -base64 48`) or AUTH_JWKS_URL; ' +
        'AAP_DEV_MODE=true accepts the published development secret, for development only',
    );
  }
  if (options.jwtSecret === DEVELOPMENT_JWT_SECRET && !developmentMode) {
    throw new AuthConfigurationError('AUTH_JWT_SECRET is the published development secret: it is accepted only with AAP_DEV_MODE=true');
  }
  assertSecretLength(options.jwtSecret);
  return options;
}

function assertJwksSettings(options: AuthOptions, developmentMode: boolean): void {
  const missing = [!options.issuer && 'AUTH_ISSUER', !options.audience && 'AUTH_AUDIENCE'].filter(Boolean);
  if (missing.length) {
    throw new AuthConfigurationError(
      `AUTH_JWKS_URL needs ${missing.join(' and ')}: the issuer (iss) and the audience (aud) every token must name, as the identity provider issues them for this platform`,
    );
  }
  let url: URL;
  try {
    url = new URL(options.jwksUrl!);
  } catch {
    throw new AuthConfigurationError(`AUTH_JWKS_URL is not a URL: ${options.jwksUrl}`);
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && developmentMode && isLoopbackHost(url.hostname)) return;
  throw new AuthConfigurationError(
    `AUTH_JWKS_URL must be an https: URL (${url.protocol} given): the keys that every token is verified with must come from the identity provider itself; ` +
      'plain http: is accepted only for a provider on loopback in development mode (AAP_DEV_MODE=true)',
  );
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** A host name or address that only this machine reaches: localhost, 127.0.0.0/8, ::1 (brackets allowed). */
export function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (name === 'localhost') return true;
  const family = isIP(name);
  return family !== 0 && LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6');
}

function assertSecretLength(secret: string): void {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new AuthConfigurationError(`AUTH_JWT_SECRET is too short: at least ${MIN_SECRET_BYTES} bytes are needed (e.g. \`openssl rand -base64 48\`)`);
  }
}

const claims = z.object({
  sub: z.string().min(1),
  roles: z.array(z.enum(ROLES)).min(1),
  org: z.string().regex(/^(\d{9}|\d{14})$/, 'must be a SIREN (9 digits) or SIRET (14 digits)').optional(),
  name: z.string().optional(),
  email: z.string().optional(),
});

/** Routes added by plugins (documentation, health) that are public by nature. */
const PUBLIC_PREFIXES = ['/docs', '/openapi.json', '/asyncapi.json', '/health/'];

const unauthorized = (detail: string) => new HttpProblem(401, 'unauthenticated', 'Authentication required', detail);
export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail);

/**
 * Bearer JWT authentication and role-based access. Each route's `config.access` says who may call it;
 * a route without one makes the server refuse to start, so no route is open by omission.
 */
export const authPlugin = fp(async (app: FastifyInstance, options: AuthOptions) => {
  if (!options.jwksUrl && !options.jwtSecret) throw new AuthConfigurationError('authentication needs AUTH_JWKS_URL or AUTH_JWT_SECRET');
  if (!options.jwksUrl) assertSecretLength(options.jwtSecret!);
  // The HMAC key imported once: given raw bytes, jose imports them again for every token it verifies.
  const key: webcrypto.CryptoKey | JWTVerifyGetKey = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : await webcrypto.subtle.importKey('raw', new TextEncoder().encode(options.jwtSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const verify: Verification = {
    algorithms: options.jwksUrl ? ['RS256', 'ES256', 'PS256'] : ['HS256'],
    issuer: options.issuer,
    audience: options.audience,
    maxLifetimeSeconds: options.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  };

  app.addHook('onRoute', (route) => {
    if (route.config?.access) {
      if ('roles' in route.config.access) {
        // The operation's security is documented with its error answers (openapi.ts).
        route.schema = {
          ...route.schema,
          description: [route.schema?.description, `Roles: ${route.config.access.roles.join(', ')}.`].filter(Boolean).join('\n\n'),
        };
      }
      return;
    }
    if (PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix))) {
      route.config = { ...route.config, access: { public: true } };
      return;
    }
    throw new Error(`${route.method} ${route.url} declares no access (config.access): every route must say who may call it`);
  });

  // onRequest: authentication and roles come before the body is even parsed, so an anonymous or
  // unauthorised caller learns nothing about the validation of a request it may not make.
  const verified = new VerifiedTokens(VERIFIED_TOKENS_MAX, options.jwksUrl ? JWKS_RECHECK_MS : Number.POSITIVE_INFINITY);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (!access || 'public' in access) return;
    const caller = await authenticate(request, key, verify, verified);
    if (!caller.roles.some((role) => access.roles.includes(role))) {
      throw forbidden(`this action needs one of the roles: ${access.roles.join(', ')}`);
    }
    request.caller = caller;
  });

  // Admins act on every call (issue 16): each of their changes is logged, here and nowhere else.
  app.addHook('onResponse', async (request, reply) => {
    if (!isAuditedAdminAct(request)) return;
    request.log.info({ audit: { userId: request.caller!.userId, method: request.method, url: request.url, status: reply.statusCode } }, 'admin act');
  });
});

/** An admin's request that may change something (not a read): its caller holds the admin role. */
const isAuditedAdminAct = (request: FastifyRequest) => request.method !== 'GET' && request.method !== 'HEAD' && request.caller?.roles.includes('admin') === true;

interface Verification {
  algorithms: string[];
  issuer?: string;
  audience?: string;
  maxLifetimeSeconds: number;
}

/** Tokens whose verification is remembered; a browser session or an API client reuses one token for hours. */
const VERIFIED_TOKENS_MAX = 10_000;
/** With a JWKS, a remembered token is verified again this often: a key withdrawn from the JWKS stops being trusted. */
const JWKS_RECHECK_MS = 5 * 60_000;

/**
 * The callers of tokens already verified, by the exact token (signature included), until the token's
 * exp: verifying the signature and parsing the claims again for every request of the same caller is
 * most of the cost of a cheap read. Only successes are kept, at most `max` (least recently used out).
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { caller: Caller; until: number }>();

  constructor(
    private readonly max: number,
    private readonly recheckMs: number,
  ) {}

  get(token: string, now = Date.now()): Caller | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (now >= entry.until) return undefined;
    this.entries.set(token, entry); // most recently used last
    return entry.caller;
  }

  /** `expiresAt`: the token's exp, in ms since the epoch. */
  set(token: string, caller: Caller, expiresAt: number, now = Date.now()): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { caller, until: Math.min(expiresAt, now + this.recheckMs) });
  }

  get size(): number {
    return this.entries.size;
  }
}

async function authenticate(request: FastifyRequest, key: webcrypto.CryptoKey | JWTVerifyGetKey, verify: Verification, verified: VerifiedTokens): Promise<Caller> {
  const header = request.headers.authorization;
  if (!header) throw unauthorized('send an Authorization: Bearer <token> header');
  const [scheme, token] = header.split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthorized('the Authorization header must be "Bearer <token>"');
  const known = verified.get(token);
  if (known) return known;
  const { caller, expiresAt } = await verifyToken(token, key, verify);
  verified.set(token, caller, expiresAt);
  return caller;
}

/** Signature, algorithm, exp (required), nbf, iss and aud, the lifetime rule and the claims: the caller and when its token expires. */
async function verifyToken(token: string, key: webcrypto.CryptoKey | JWTVerifyGetKey, verify: Verification): Promise<{ caller: Caller; expiresAt: number }> {
  let payload: JWTPayload;
  try {
    // A token without exp would be valid forever: exp is required, and iss/aud when configured.
    ({ payload } = await jwtVerify(token, key as never, {
      algorithms: verify.algorithms,
      issuer: verify.issuer,
      audience: verify.audience,
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    throw unauthorized(`invalid token: ${(error as Error).message}`);
  }
  const nowSeconds = Math.floor(Date.now() / 1000);
  // Measured from iat, or from now when iat is missing or in the future (a future iat must not buy extra time).
  const issuedAt = typeof payload.iat === 'number' && payload.iat <= nowSeconds ? payload.iat : nowSeconds;
  if (payload.exp! - issuedAt > verify.maxLifetimeSeconds) {
    throw unauthorized(`invalid token: its lifetime (exp − iat) exceeds the ${verify.maxLifetimeSeconds} s allowed`);
  }
  const parsed = claims.safeParse(payload);
  if (!parsed.success) {
    throw unauthorized(`invalid token claims: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const { sub, roles, org, name, email } = parsed.data;
  if (roles.includes('applicant') && !org) throw unauthorized('an applicant token must carry its organisation (org claim)');
  // Shared by every request of the token (VerifiedTokens): frozen, so no handler can change another's caller.
  const caller: Caller = { userId: sub, roles: Object.freeze(roles) as Role[], ...(org ? { organisation: org } : {}), ...(name ? { name } : {}), ...(email ? { email } : {}) };
  return { caller: Object.freeze(caller), expiresAt: payload.exp! * 1000 };
}

/** The caller of a route that declared roles (set by the auth hook before any handler runs). */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('callerOf() used on a route without roles');
  return request.caller;
}

/** The roles that see every organisation's data their role allows. A reviewer is not one: it reads only the dossiers assigned to it. */
export const OVERSIGHT_ROLES = ['programme-manager', 'committee', 'finance', 'admin'] as const satisfies readonly Role[];

/** The scope of a caller that may see no organisation's data (a reviewer without an applicant role): matches no organisation id. */
export const NO_ORGANISATION = '';

/**
 * The organisation whose data a caller is confined to; undefined for the oversight roles, which see
 * every organisation's data their role allows (they win when a token carries several roles). An
 * applicant is confined to its organisation; any other caller (a reviewer) to none
 * (`NO_ORGANISATION`): a reviewer's token org claim grants nothing, it reaches dossiers only
 * through its assignments (`policies.readableDossier`).
 */
export function applicantScope(caller: Caller): string | undefined {
  if (caller.roles.some((role) => (OVERSIGHT_ROLES as readonly Role[]).includes(role))) return undefined;
  return caller.roles.includes('applicant') && caller.organisation ? caller.organisation : NO_ORGANISATION;
}
