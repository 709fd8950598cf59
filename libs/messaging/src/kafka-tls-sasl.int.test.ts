import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { kafkaSecurityOf } from '@aap/config';
import { freePort, startSecureKafka, type SecureKafka } from '@aap/local-infra';
import type { RunningService } from '@aap/service-runtime';
import { service as submission } from '@aap/submission-service';
import { service as evaluation } from '@aap/evaluation-service';
import { httpClient, useTestEnvironment, waitFor } from '@aap/test-harness';

// A broker of its own whose only client listener is SASL_SSL (SCRAM-SHA-512 over TLS with a client
// certificate), a throw-away CA made at start; the shared broker is never touched. The database is
// the run's own.
const env = useTestEnvironment();
const passwords = { submission: randomBytes(12).toString('hex'), evaluation: randomBytes(12).toString('hex') };
type Principal = keyof typeof passwords;
type Settings = Record<string, string>;

/** Settings without some of the variables, as a deployment that left them out. */
const without = (settings: Settings, ...variables: string[]): Settings =>
  Object.fromEntries(Object.entries(settings).filter(([name]) => !variables.includes(name)));

describe('Kafka over TLS with SASL/SCRAM-SHA-512, through the KAFKA_SSL* and KAFKA_SASL* settings', () => {
  let home: string;
  let broker: SecureKafka;
  const running: RunningService[] = [];

  /** The settings a service of this principal is deployed with. */
  const settingsOf = (principal: Principal): Settings => ({
    KAFKA_BROKERS: broker.brokers,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: broker.caFile,
    KAFKA_SSL_CERT_FILE: broker.clientCertFile,
    KAFKA_SSL_KEY_FILE: broker.clientKeyFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: principal,
    KAFKA_SASL_PASSWORD: passwords[principal],
  });

  /**
   * One attempt, without retries (a refused connection is retried by the services' client), to read the
   * cluster's metadata as a client made from these settings by the services' own config path: what the
   * broker answered, or the error that refused it.
   */
  const connectWith = async (settings: Settings): Promise<{ brokers: number } | { refused: Error }> => {
    const config = env.configFor('submission', settings);
    // Typed as kafkajs' options, as createKafka does.
    const { ssl, sasl }: Pick<KafkaConfig, 'ssl'> & { sasl?: SASLOptions } = kafkaSecurityOf(config);
    const kafka = new Kafka({
      clientId: 'tls-sasl-test',
      brokers: config.KAFKA_BROKERS,
      ssl,
      sasl,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3_000,
      requestTimeout: 5_000,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      return { brokers: (await admin.describeCluster()).brokers.length };
    } catch (error) {
      return { refused: error as Error };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'aap-kafka-tls-sasl-'));
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    broker = await startSecureKafka({ home, port, controllerPort, users: passwords, requireClientCertificate: true, log: (line) => console.log(`[kafka tls test] ${line}`) });
  }, 90_000);

  afterAll(async () => {
    // The services first: their last outbox cycle and offset commits still need the broker.
    await Promise.allSettled(running.map((service) => service.stop()));
    await broker?.stop();
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('a service publishes through its outbox relay and another consumes it, both authenticated over TLS', { timeout: 90_000 }, async () => {
    const quiet = { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal' };
    const publisher = await env.startService(submission, { ...settingsOf('submission'), ...quiet });
    running.push(publisher);
    running.push(await env.startService(evaluation, { ...settingsOf('evaluation'), ...quiet }));

    const ready = await httpClient(publisher.url).anonymous().get('/health/ready');
    expect(ready.body).toEqual({ status: 'ok', checks: { database: { status: 'ok' }, kafka: { status: 'ok' } } });

    const launched = await httpClient(publisher.url).as('admin').post('/diagnostics/probes', { label: 'over SASL_SSL' });
    expect(launched.status, JSON.stringify(launched.body)).toBe(202);
    const probeId = launched.body.probeId as string;
    await waitFor(() => env.database('submission').collection('journey_probes').findOne({ _id: probeId as never, outboxPending: false }), {
      deadlineMs: 30_000,
      what: 'the probe event relayed from the outbox to the SASL_SSL broker',
    });
    await waitFor(() => env.database('evaluation').collection('journey_probes').findOne({ _id: probeId as never }), {
      deadlineMs: 30_000,
      what: 'the evaluation service to consume the probe event from the SASL_SSL broker',
    });
  });

  it('a client with every setting right is answered; each one that misses a part is refused by the broker', { timeout: 60_000 }, async () => {
    const right = settingsOf('submission');
    // The control: the same one-shot client with the right settings is answered, so the refusals below are the broker's.
    expect(await connectWith(right)).toEqual({ brokers: 1 });

    const wrongPassword = await connectWith({ ...right, KAFKA_SASL_PASSWORD: 'not-the-password' });
    expect(wrongPassword).toMatchObject({ refused: { name: 'KafkaJSSASLAuthenticationError', message: expect.stringMatching(/SASL SCRAM SHA512 authentication failed/) } });

    const unknownUser = await connectWith({ ...right, KAFKA_SASL_USERNAME: 'intruder' });
    expect(unknownUser).toMatchObject({ refused: { name: 'KafkaJSSASLAuthenticationError', message: expect.stringMatching(/invalid credentials/) } });

    // Plain text to a TLS listener: the broker reads no TLS handshake and drops the connection.
    const withoutTls = await connectWith(without(right, 'KAFKA_SSL', 'KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'));
    expect(withoutTls).toMatchObject({ refused: { message: 'Closed connection' } });

    // TLS with the right certificates but no SASL: the listener serves nothing before authentication.
    const withoutSasl = await connectWith(without(right, 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'));
    expect(withoutSasl).toMatchObject({ refused: { message: 'Closed connection' } });

    // The system CAs do not know the broker's throw-away CA: the client refuses the broker.
    const withoutCa = await connectWith(without(right, 'KAFKA_SSL_CA_FILE'));
    expect(withoutCa).toMatchObject({ refused: { message: expect.stringMatching(/self-signed certificate in certificate chain/) } });

    // The broker requires a client certificate signed by its CA: its TLS alert ends the handshake
    // (bad_certificate in TLS 1.2, certificate_required in TLS 1.3).
    const withoutClientCertificate = await connectWith(without(right, 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'));
    expect(withoutClientCertificate).toMatchObject({ refused: { message: expect.stringMatching(/alert (bad certificate|certificate required)/) } });

    // And a service deployed with a wrong password does not start.
    await expect(env.startService(submission, { ...right, KAFKA_SASL_PASSWORD: 'not-the-password', LOG_LEVEL: 'fatal' })).rejects.toThrow(
      /SASL SCRAM SHA512 authentication failed/,
    );
  });
});
