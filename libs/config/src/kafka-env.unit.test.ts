import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from './load-config';
import { kafkaSecurityOf } from './kafka-env';
import { serviceEnvSchema } from './service-env';

const load = (env: Record<string, string>) => loadConfig('submission', serviceEnvSchema('submission'), env);

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
}

describe('Kafka TLS and SASL settings', () => {
  const directory = mkdtempSync(join(tmpdir(), 'kafka-env-'));
  const ca = join(directory, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

  it('given no Kafka security variable, when loading, then the client connects in plain text without SASL', () => {
    expect(kafkaSecurityOf(load({}))).toEqual({});
  });

  it('given TLS with a CA file and SCRAM credentials, when loading, then the client options carry the CA and the credentials', () => {
    const config = load({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'submission',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
    expect(kafkaSecurityOf(config)).toEqual({
      ssl: { rejectUnauthorized: true, ca: [expect.stringContaining('BEGIN CERTIFICATE')] },
      sasl: { mechanism: 'scram-sha-512', username: 'submission', password: 's3cret' },
    });
  });

  it('given a SASL mechanism without credentials, a CA file that does not exist and KAFKA_SSL=yes, when loading, then each is named', () => {
    expect(problemsOf({ KAFKA_SSL: 'yes', KAFKA_SASL_MECHANISM: 'plain' })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^KAFKA_SSL: must be true or false \(got "yes"\)$/),
      ]),
    );
    expect(problemsOf({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(directory, 'missing.pem'), KAFKA_SASL_MECHANISM: 'plain' })).toEqual([
      expect.stringMatching(/^KAFKA_SSL_CA_FILE: file not found/),
      expect.stringMatching(/^KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=plain/),
      expect.stringMatching(/^KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=plain/),
    ]);
  });

  it('given an unknown SASL mechanism, when loading, then it is refused', () => {
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([
      expect.stringMatching(/^KAFKA_SASL_MECHANISM: .*plain.*scram-sha-256.*scram-sha-512/),
    ]);
  });

  it('given production with SASL plain over plain text, when loading, then it is refused (the password would travel in clear)', () => {
    expect(
      problemsOf({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://idp.example/jwks', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }),
    ).toEqual([expect.stringMatching(/^KAFKA_SSL: production refuses SASL plain without TLS/)]);
  });

  it('given production without TLS or without SASL to the broker, when loading, then each is refused, named (the broker trusts only its services)', () => {
    expect(problemsOf({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://idp.example/jwks' })).toEqual([
      expect.stringMatching(/^KAFKA_SSL: production talks to the broker over TLS only/),
      expect.stringMatching(/^KAFKA_SASL_MECHANISM: production connects as the service's own principal/),
    ]);
    const secured = load({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://idp.example/jwks', KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'submission', KAFKA_SASL_PASSWORD: 'p' });
    expect(kafkaSecurityOf(secured)).toMatchObject({ ssl: { rejectUnauthorized: true }, sasl: { mechanism: 'scram-sha-512', username: 'submission' } });
  });

  it('given the SASL password in a file (a mounted secret), when loading, then the client uses its content without the trailing newline; a missing file, or both forms at once, is named', () => {
    const secret = join(directory, 'submission.password');
    writeFileSync(secret, 's3cret\n');
    const sasl = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'submission' };
    expect(kafkaSecurityOf(load({ ...sasl, KAFKA_SASL_PASSWORD_FILE: secret }))).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'submission', password: 's3cret' } });
    expect(problemsOf({ ...sasl, KAFKA_SASL_PASSWORD_FILE: join(directory, 'missing') })).toEqual([expect.stringMatching(/^KAFKA_SASL_PASSWORD_FILE: file not found/)]);
    expect(problemsOf({ ...sasl, KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_PASSWORD_FILE: secret })).toEqual([expect.stringMatching(/^KAFKA_SASL_PASSWORD_FILE: give KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both/)]);
  });

  it('given a client certificate without its key, when loading, then the missing half is named', () => {
    expect(problemsOf({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: ca })).toEqual([expect.stringMatching(/^KAFKA_SSL_KEY_FILE: a client certificate needs both/)]);
  });
});
