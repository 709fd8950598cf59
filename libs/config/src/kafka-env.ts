import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
const flag = z.enum(['true', 'false'], 'must be true or false').transform((value) => value === 'true');

/**
 * Kafka connection security and the messaging settings every service reads (merged into
 * `serviceEnvSchema`). TLS: `KAFKA_SSL=true`, optionally with a private CA and a client certificate
 * (mutual TLS). SASL: `plain`, `scram-sha-256` or `scram-sha-512` with a user name and password (or
 * a password file). On a broker with ACLs the user name is the service's principal (libs/messaging/src/kafka-acls.ts).
 */
export const messagingEnvShape = {
  KAFKA_SSL: flag.default(false),
  /** PEM file of the CA that signed the brokers' certificates (the system CAs otherwise). */
  KAFKA_SSL_CA_FILE: z.string().optional(),
  /** PEM client certificate and key, for brokers that authenticate clients by TLS. */
  KAFKA_SSL_CERT_FILE: z.string().optional(),
  KAFKA_SSL_KEY_FILE: z.string().optional(),
  /** Only for a test broker with a self-signed certificate; refused in production. */
  KAFKA_SSL_REJECT_UNAUTHORIZED: flag.default(true),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  /** A file holding the password instead (a mounted secret: docker compose, Kubernetes); its trailing newline is ignored. */
  KAFKA_SASL_PASSWORD_FILE: z.string().optional(),
  /**
   * The largest message the relay and the dead-letter publisher send (value + key + headers). Keep it
   * at or below the broker's `message.max.bytes` (1 048 588 by default): a larger outbox event is set
   * aside, a larger dead letter is truncated.
   */
  KAFKA_MAX_MESSAGE_BYTES: positiveInt.default(1_000_000),
  /** Handler attempts made in line, before the event is parked and retried in the background. */
  CONSUMER_INLINE_ATTEMPTS: positiveInt.default(2),
  /** An in-line handler attempt running longer than this counts as failed and the event is parked. */
  CONSUMER_HANDLER_TIMEOUT_MS: positiveInt.default(5_000),
  /** Ceiling of the exponential backoff between background retries of a parked event. */
  CONSUMER_RETRY_MAX_MS: positiveInt.default(60_000),
  /** Partitions a service's consumer works on at once (one message at a time within a partition). */
  CONSUMER_PARTITIONS_CONCURRENTLY: positiveInt.default(3),
};

const messagingEnvSchema = z.object(messagingEnvShape);
type MessagingEnv = z.infer<typeof messagingEnvSchema> & { NODE_ENV?: string };

/** Cross-field rules of the Kafka settings (added to the service schema's refinements). */
export function refineMessagingEnv(env: MessagingEnv, ctx: z.RefinementCtx): void {
  const problem = (path: keyof MessagingEnv, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  for (const variable of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const) {
    const file = env[variable];
    if (file === undefined) continue;
    if (!env.KAFKA_SSL) problem(variable, 'needs KAFKA_SSL=true');
    if (!existsSync(file)) problem(variable, 'file not found');
  }
  if (Boolean(env.KAFKA_SSL_CERT_FILE) !== Boolean(env.KAFKA_SSL_KEY_FILE)) {
    problem(env.KAFKA_SSL_CERT_FILE ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE', 'a client certificate needs both KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE');
  }
  if (env.KAFKA_SASL_PASSWORD_FILE !== undefined) {
    if (env.KAFKA_SASL_PASSWORD) problem('KAFKA_SASL_PASSWORD_FILE', 'give KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both');
    else if (!existsSync(env.KAFKA_SASL_PASSWORD_FILE)) problem('KAFKA_SASL_PASSWORD_FILE', 'file not found');
  }
  if (env.KAFKA_SASL_MECHANISM) {
    if (!env.KAFKA_SASL_USERNAME) problem('KAFKA_SASL_USERNAME', `required with KAFKA_SASL_MECHANISM=${env.KAFKA_SASL_MECHANISM}`);
    if (!env.KAFKA_SASL_PASSWORD && !env.KAFKA_SASL_PASSWORD_FILE) problem('KAFKA_SASL_PASSWORD', `required with KAFKA_SASL_MECHANISM=${env.KAFKA_SASL_MECHANISM} (or KAFKA_SASL_PASSWORD_FILE)`);
  } else if (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD || env.KAFKA_SASL_PASSWORD_FILE) {
    problem('KAFKA_SASL_MECHANISM', 'required with KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD(_FILE) (plain, scram-sha-256 or scram-sha-512)');
  }
  if (env.NODE_ENV === 'production') {
    // The broker trusts only its services (ACLs per principal): production never connects anonymously nor in clear.
    if (!env.KAFKA_SSL) {
      problem('KAFKA_SSL', env.KAFKA_SASL_MECHANISM === 'plain'
        ? 'production refuses SASL plain without TLS (the password would travel in clear)'
        : 'production talks to the broker over TLS only: set KAFKA_SSL=true (and KAFKA_SSL_CA_FILE for a private CA)');
    }
    if (!env.KAFKA_SASL_MECHANISM) problem('KAFKA_SASL_MECHANISM', "production connects as the service's own principal, whose ACLs say what it may write and read: set KAFKA_SASL_MECHANISM=scram-sha-512, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD(_FILE)");
    if (!env.KAFKA_SSL_REJECT_UNAUTHORIZED) problem('KAFKA_SSL_REJECT_UNAUTHORIZED', 'production always verifies the brokers\' certificates');
  }
}

/** The TLS and SASL options of the Kafka client (kafkajs' `ssl` and `sasl` shapes), files read. */
export interface KafkaSecurity {
  ssl?: { ca?: string[]; cert?: string; key?: string; rejectUnauthorized: boolean } | true;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export function kafkaSecurityOf(env: MessagingEnv): KafkaSecurity {
  const security: KafkaSecurity = {};
  if (env.KAFKA_SSL) {
    const read = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);
    const ca = read(env.KAFKA_SSL_CA_FILE);
    const cert = read(env.KAFKA_SSL_CERT_FILE);
    const key = read(env.KAFKA_SSL_KEY_FILE);
    security.ssl = {
      rejectUnauthorized: env.KAFKA_SSL_REJECT_UNAUTHORIZED,
      ...(ca ? { ca: [ca] } : {}),
      ...(cert && key ? { cert, key } : {}),
    };
  }
  if (env.KAFKA_SASL_MECHANISM) {
    const password = env.KAFKA_SASL_PASSWORD ?? readFileSync(env.KAFKA_SASL_PASSWORD_FILE!, 'utf8').replace(/\r?\n$/, '');
    security.sasl = { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME!, password };
  }
  return security;
}
