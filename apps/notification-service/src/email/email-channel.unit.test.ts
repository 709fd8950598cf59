import { describe, expect, it } from 'vitest';
import { loadConfig } from '@aap/config';
import { notificationEnvSchema, notificationSettings } from '../config';
import { smtpTransportOptions } from './email-channel';

const settings = (overrides: Record<string, unknown> = {}) => notificationSettings({}, overrides);
const production = { NODE_ENV: 'production', AUTH_JWKS_URL: 'https://auth.example.fr/jwks', WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'), KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'notification', KAFKA_SASL_PASSWORD: 'p' };

describe('SMTP transport: TLS in production', () => {
  it('given production, then STARTTLS is required by default (no message in clear)', () => {
    expect(smtpTransportOptions(settings({ SMTP_HOST: 'smtp.example.fr', SMTP_PORT: 587 }), 'production')).toMatchObject({ requireTLS: true, secure: false });
  });

  it('given production with TLS from the first byte (SMTP_SECURE), then the connection is TLS (no STARTTLS to ask)', () => {
    expect(smtpTransportOptions(settings({ SMTP_SECURE: true, SMTP_PORT: 465 }), 'production')).toMatchObject({ secure: true, requireTLS: false });
  });

  it('given production and an explicit SMTP_REQUIRE_TLS=false, then the service refuses to start (transport and configuration alike)', () => {
    expect(() => smtpTransportOptions(settings({ SMTP_REQUIRE_TLS: false }), 'production')).toThrow(/production refuses SMTP_REQUIRE_TLS=false/);
    expect(() => loadConfig('notification', notificationEnvSchema, { ...production, SMTP_REQUIRE_TLS: 'false' })).toThrow(/SMTP_REQUIRE_TLS: production refuses SMTP_REQUIRE_TLS=false/);
    expect(loadConfig('notification', notificationEnvSchema, { ...production, SMTP_REQUIRE_TLS: 'false', SMTP_SECURE: 'true' }).SMTP_SECURE).toBe(true);
    expect(loadConfig('notification', notificationEnvSchema, production).SMTP_REQUIRE_TLS).toBeUndefined();
  });

  it('given development, then the local mail catcher (no TLS) is reachable, and TLS can still be required', () => {
    expect(smtpTransportOptions(settings(), 'development')).toMatchObject({ host: '127.0.0.1', port: 1025, secure: false, requireTLS: false });
    expect(smtpTransportOptions(settings({ SMTP_REQUIRE_TLS: true }), 'development').requireTLS).toBe(true);
    expect(loadConfig('notification', notificationEnvSchema, { SMTP_REQUIRE_TLS: 'true' }).SMTP_REQUIRE_TLS).toBe(true);
  });
});
