import { z } from 'zod';
import { commaList, port } from './load-config';
import { messagingEnvShape, refineMessagingEnv } from './kafka-env';
import { clockEnvShape, refineClockEnv } from './clock-env';
import { metricsEnvShape } from './metrics-env';

import type { ServiceName } from '@aap/contracts';

/** Default HTTP port of each service; each is overridable with PORT. */
export const DEFAULT_PORTS: Record<ServiceName, number> = {
  submission: 3001,
  evaluation: 3002,
  'funding-award': 3003,
  notification: 3004,
};

const positiveInt = z.coerce.number().int().positive();

/**
 * The environment every service reads. Service-specific settings extend it.
 * Defaults match the local infrastructure started by `npm run infra -- up`.
 */
export function serviceEnvSchema(service: ServiceName) {
  return z.object({
    /** Address to listen on. Development mode (AAP_DEV_MODE=true) refuses any but a loopback one (resolveAuthOptions). */
    HOST: z.string().default('127.0.0.1'),
    PORT: port.default(DEFAULT_PORTS[service]),
    ...metricsEnvShape,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI').default('mongodb://127.0.0.1:27017/'),
    MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'letters, digits, _ and - only').default(`aap_${service.replace('-', '_')}`),
    /**
     * Connections each service instance keeps to the database at most (the driver's default, 100).
     * Measured at 20 submits/s on FerretDB (issue 17's pipeline figure, one run each): 10 gave 9.8
     * submits/s achieved, 20 gave 10.2, 40 gave 12.1, 100 gave 13.1 — a smaller pool queues the
     * commands in the service instead of the store.
     */
    MONGODB_MAX_POOL_SIZE: positiveInt.default(100),
    KAFKA_BROKERS: commaList.default(['127.0.0.1:9092']),
    KAFKA_CLIENT_ID: z.string().default(`aap-${service}`),
    /** First segment of every topic and consumer group name: lets environments (and test runs) share a cluster. */
    KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and - only').default('aap'),
    KAFKA_TOPIC_PARTITIONS: positiveInt.default(3),
    /** -1 lets the broker apply its default.replication.factor. */
    KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(-1).default(-1),
    ...messagingEnvShape,
    CONSUMER_MAX_ATTEMPTS: positiveInt.default(5),
    CONSUMER_RETRY_BASE_MS: positiveInt.default(200),
    /** Safety poll of the outbox relay; it is woken at once by the writes of its own process. */
    OUTBOX_POLL_MS: positiveInt.default(5_000),
    /** Period of the scheduled jobs (closing calls at their closing time, reminders). */
    SCHEDULER_INTERVAL_MS: positiveInt.default(5_000),
    NODE_ENV: z.string().default('development'),
    /** Explicit development mode (`npm start`, tests): only then is the published development JWT secret accepted. */
    AAP_DEV_MODE: z.enum(['true', 'false']).transform((flag) => flag === 'true').default(false),
    /** HS256 secret of tokens (`npm run token` signs with it too); or AUTH_JWKS_URL. One of them is required outside development mode. */
    AUTH_JWT_SECRET: z.string().refine((secret) => Buffer.byteLength(secret) >= 32, 'must be at least 32 bytes (e.g. openssl rand -base64 48)').optional(),
    /**
     * JWKS URL of the OIDC provider; when set, tokens are verified against it (RS256/ES256). It must be https:
     * (http: on loopback in development mode only) and comes with AUTH_ISSUER and AUTH_AUDIENCE, which every
     * token must name (resolveAuthOptions refuses to start otherwise).
     */
    AUTH_JWKS_URL: z.url().optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    /** Longest accepted token lifetime (exp − iat, or exp − now without iat). */
    AUTH_MAX_TOKEN_LIFETIME_SECONDS: positiveInt.default(12 * 60 * 60),
    /** Requests per minute per caller (token subject, else IP address); 0 turns rate limiting off (benchmarks). */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1_200),
    /** Longest time a request may take before its connection is closed. */
    HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
    /**
     * Requests a process works on at once (health probes aside); beyond, 503 + Retry-After at once rather
     * than a queue on the database. 64 keeps two cores and the database's connection pool busy, not swamped. 0: no limit.
     */
    HTTP_MAX_IN_FLIGHT: z.coerce.number().int().min(0).default(64),
    /** Refuse requests (503) while the event loop's mean delay over the last second exceeds this many ms. 0: not checked. */
    HTTP_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).default(0),
    /** A request still running after this many ms has the database pinged, and is answered 503 if it does not answer (a hung database). 0: never. */
    HTTP_DATABASE_CHECK_AFTER_MS: z.coerce.number().int().min(0).default(600),
    ...clockEnvShape,
  }).superRefine((env, ctx) => {
    refineMessagingEnv(env, ctx);
    refineClockEnv(env, ctx);
  });
}

export type ServiceEnv = z.infer<ReturnType<typeof serviceEnvSchema>>;
