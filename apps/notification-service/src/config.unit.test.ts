import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from '@aap/config';
import { notificationEnvSchema, notificationSettings } from './config';
import { webhookRuntime } from './webhooks/webhook-channel';

describe('notification configuration', () => {
  it('defaults to the local mail catcher and the documented retry policy', () => {
    const env = loadConfig('notification', notificationEnvSchema, {});
    expect(env).toMatchObject({
      PORT: 3004,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: 1025,
      SMTP_SECURE: false,
      SMTP_FROM: 'AAP ANCT <no-reply@aap.anct.gouv.fr>',
      DELIVERY_MAX_ATTEMPTS: 8,
      DELIVERY_RETRY_BASE_MS: 1_000,
    });
  });

  it('reads the environment, and the settings of a parsed configuration again unchanged', () => {
    const env = loadConfig('notification', notificationEnvSchema, { SMTP_PORT: '2525', SMTP_SECURE: 'true', PUBLIC_APP_URL: 'https://aap.anct.gouv.fr/' });
    expect(env).toMatchObject({ SMTP_PORT: 2525, SMTP_SECURE: true, PUBLIC_APP_URL: 'https://aap.anct.gouv.fr' });
    expect(notificationSettings(env)).toMatchObject({ SMTP_PORT: 2525, SMTP_SECURE: true, PUBLIC_APP_URL: 'https://aap.anct.gouv.fr' });
    expect(notificationSettings(env, { SMTP_PORT: 40_000 }).SMTP_PORT).toBe(40_000);
  });

  it('lists every bad variable at once', () => {
    expect(() => loadConfig('notification', notificationEnvSchema, { SMTP_PORT: 'smtp', DELIVERY_MAX_ATTEMPTS: '0' })).toThrow(ConfigurationError);
    try {
      loadConfig('notification', notificationEnvSchema, { SMTP_PORT: 'smtp', DELIVERY_MAX_ATTEMPTS: '0' });
    } catch (error) {
      expect((error as ConfigurationError).problems.map((p) => p.split(':')[0])).toEqual(['SMTP_PORT', 'DELIVERY_MAX_ATTEMPTS']);
    }
  });

  it('webhooks: an empty allow-list, 10 per organisation, 5 replays a minute, 4 KiB read by default; the allow-list parsed once and again', () => {
    const env = loadConfig('notification', notificationEnvSchema, {});
    expect(env).toMatchObject({ WEBHOOK_ALLOWED_HOSTS: [], WEBHOOK_MAX_PER_ORGANISATION: 10, WEBHOOK_REPLAYS_PER_MINUTE: 5, WEBHOOK_MAX_RESPONSE_BYTES: 4_096 });
    expect(env.WEBHOOK_SECRET_KEY).toBeUndefined();
    const allowing = loadConfig('notification', notificationEnvSchema, { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, 10.0.0.0/8,receivers.test' });
    expect(allowing.WEBHOOK_ALLOWED_HOSTS).toEqual(['127.0.0.1', '10.0.0.0/8', 'receivers.test']);
    expect(notificationSettings(allowing).WEBHOOK_ALLOWED_HOSTS).toEqual(['127.0.0.1', '10.0.0.0/8', 'receivers.test']);
    expect(() => loadConfig('notification', notificationEnvSchema, { WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/40' })).toThrow(/WEBHOOK_ALLOWED_HOSTS/);
  });

  it('production refuses to start without WEBHOOK_SECRET_KEY, or with one that is not 32 bytes', () => {
    const production = { NODE_ENV: 'production', AUTH_JWKS_URL: 'https://auth.example.fr/jwks', KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'notification', KAFKA_SASL_PASSWORD: 'p' };
    expect(() => loadConfig('notification', notificationEnvSchema, production)).toThrow(/WEBHOOK_SECRET_KEY: production needs WEBHOOK_SECRET_KEY/);
    expect(() => loadConfig('notification', notificationEnvSchema, { ...production, WEBHOOK_SECRET_KEY: 'change-me' })).toThrow(/WEBHOOK_SECRET_KEY: must be 32 bytes/);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig('notification', notificationEnvSchema, { ...production, WEBHOOK_SECRET_KEY: key }).WEBHOOK_SECRET_KEY).toBe(key);
    // The in-process path refuses too (createNotificationService builds the webhook runtime at start-up).
    const settings = notificationSettings({});
    expect(() => webhookRuntime(settings, 'production')).toThrow('production needs WEBHOOK_SECRET_KEY');
    expect(() => webhookRuntime(settings, 'development')).not.toThrow();
  });
});
