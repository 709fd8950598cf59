import { z } from 'zod';
import { serviceEnvSchema, type ServiceEnv } from '@aap/config';
import { isIP } from 'node:net';

// The settings' own parsers live here (the webhooks slice uses them too): the slices depend on the
// configuration, never the other way round.

/** 32 bytes, given as 64 hex digits or base64 (standard or url-safe). */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  return key.length === 32 ? key : undefined;
}

/** One allow-list entry: a host name, an IP address, or a CIDR block (checked at start-up). */
export function allowListEntryProblem(entry: string): string | undefined {
  const [base, prefix, ...rest] = entry.split('/');
  const family = isIP(base ?? '');
  if (!family && !/^[a-z0-9.-]+$/i.test(base ?? '')) return `${entry} is neither a host name nor an IP address`;
  if (prefix === undefined) return undefined;
  if (!family || rest.length > 0 || !/^\d+$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) return `${entry} is not a CIDR block`;
  return undefined;
}

const positiveInt = z.coerce.number().int().positive();

/** Host names, IP addresses and CIDR blocks, comma-separated (or the list itself, when parsed again). */
const webhookAllowList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
  .or(z.array(z.string()))
  .default([])
  .superRefine((entries, ctx) => {
    for (const entry of entries) {
      const problem = allowListEntryProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  });

/** Settings of the notification service on top of what every service reads (see README: Configuration). */
export const notificationSettingsSchema = z.object({
  /** SMTP relay; `npm start` runs a local mail catcher (maildev) on 1025 with its web UI on 1080. */
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(1025),
  /** `true`: TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  SMTP_SECURE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .or(z.boolean()),
  /**
   * `true`: STARTTLS is required (the message is never sent in clear). Defaults to true in production
   * (NODE_ENV=production), where `false` without SMTP_SECURE is refused; false elsewhere (the mail catcher).
   */
  SMTP_REQUIRE_TLS: z
    .enum(['true', 'false'], 'must be true or false')
    .transform((value) => value === 'true')
    .or(z.boolean())
    .optional(),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASS: z.string().min(1).optional(),
  SMTP_FROM: z.string().min(3).default('AAP ANCT <no-reply@aap.anct.gouv.fr>'),
  /** Base URL of the applicants' web application, for the links in messages (no trailing slash). */
  PUBLIC_APP_URL: z
    .url()
    .default('http://localhost:3000')
    .transform((url) => url.replace(/\/+$/, '')),
  /** A delivery (e-mail or webhook) is tried at most this many times, then marked failed for good. */
  DELIVERY_MAX_ATTEMPTS: positiveInt.default(8),
  /** Backoff between attempts: base × 2^(attempt−1), capped at DELIVERY_RETRY_MAX_MS. */
  DELIVERY_RETRY_BASE_MS: positiveInt.default(1_000),
  DELIVERY_RETRY_MAX_MS: positiveInt.default(15 * 60_000),
  /**
   * Deliveries claimed per scheduler tick (sent concurrently), and first attempts running at once in
   * the background as deliveries are recorded (each path at most this many).
   */
  DELIVERY_BATCH_SIZE: positiveInt.default(20),
  /**
   * A claimed delivery's lease: its holder renews it every third of it while the attempt runs, so a
   * live attempt is never taken over, and a crashed holder's delivery is claimable again after this.
   */
  DELIVERY_CLAIM_MS: positiveInt.default(15_000),
  /** A webhook receiver must answer within this time. */
  WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
  /**
   * Targets admitted although not public (loopback, private networks…): host names, IP addresses,
   * CIDR blocks. Empty by default: webhooks reach public addresses only.
   */
  WEBHOOK_ALLOWED_HOSTS: webhookAllowList,
  /** AES-256-GCM key of the webhook secrets at rest: 32 bytes as 64 hex digits or base64. Required in production. */
  WEBHOOK_SECRET_KEY: z
    .string()
    .refine((value) => parseSecretKey(value) !== undefined, 'must be 32 bytes, as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)')
    .optional(),
  /** Live webhooks an organisation may have (the back-office's count as one more organisation). */
  WEBHOOK_MAX_PER_ORGANISATION: positiveInt.default(10),
  /** Replays a subscriber may ask per webhook and minute (then 429 with Retry-After). */
  WEBHOOK_REPLAYS_PER_MINUTE: positiveInt.default(5),
  /** Bytes of a receiver's answer read at most; the rest is dropped with the connection. */
  WEBHOOK_MAX_RESPONSE_BYTES: positiveInt.default(4_096),
});

export type NotificationSettings = z.output<typeof notificationSettingsSchema>;

/** The whole environment of the notification service process (`runServiceProcess(service, notificationEnvSchema)`). */
export const notificationEnvSchema = serviceEnvSchema('notification')
  .safeExtend(notificationSettingsSchema.shape)
  .superRefine((env, ctx) => {
    const problem = productionWebhookProblem(env.NODE_ENV, env);
    if (problem) ctx.addIssue({ code: 'custom', path: ['WEBHOOK_SECRET_KEY'], message: problem });
    const smtpProblem = productionSmtpProblem(env.NODE_ENV, env);
    if (smtpProblem) ctx.addIssue({ code: 'custom', path: ['SMTP_REQUIRE_TLS'], message: smtpProblem });
  });

/** Production sends no e-mail in clear: TLS from the first byte (SMTP_SECURE) or STARTTLS required. */
export function productionSmtpProblem(nodeEnv: string | undefined, settings: Pick<NotificationSettings, 'SMTP_SECURE' | 'SMTP_REQUIRE_TLS'>): string | undefined {
  if (nodeEnv === 'production' && settings.SMTP_REQUIRE_TLS === false && !settings.SMTP_SECURE) {
    return 'production refuses SMTP_REQUIRE_TLS=false: e-mails (names, dossier links) would travel in clear; use a relay offering STARTTLS, or SMTP_SECURE=true (port 465)';
  }
  return undefined;
}

/** What production refuses to start without (the development conveniences are never its defaults). */
export function productionWebhookProblem(nodeEnv: string | undefined, settings: Pick<NotificationSettings, 'WEBHOOK_SECRET_KEY'>): string | undefined {
  if (nodeEnv === 'production' && !settings.WEBHOOK_SECRET_KEY) return 'production needs WEBHOOK_SECRET_KEY (32 bytes, e.g. `openssl rand -base64 32`): webhook secrets are encrypted with it';
  return undefined;
}
export type NotificationEnv = ServiceEnv & NotificationSettings;

/**
 * The notification settings of a running service: what the process environment gave (main.ts parses
 * it with `notificationEnvSchema`, so `config` carries them), else the defaults, then `overrides`
 * (in-process tests pass the port of their SMTP server this way).
 */
export function notificationSettings(config: object, overrides: Partial<NotificationSettings> = {}): NotificationSettings {
  return { ...notificationSettingsSchema.parse(config), ...overrides };
}
