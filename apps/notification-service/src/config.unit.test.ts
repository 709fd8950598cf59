import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from '@aap/config';
import { notificationEnvSchema, notificationSettings } from './config';

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
});
