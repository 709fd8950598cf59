import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { deadLetterTopicName, DossierAccepted, EvaluationReviewersAssigned, eventTopicName, SERVICE_NAMES, sourceOf, type ServiceName } from '@aap/contracts';
import { freePort, startSecureKafka, type SecureKafka } from '@aap/local-infra';
import type { RunningService } from '@aap/service-runtime';
import { service as submission } from '@aap/submission-service';
import { service as evaluation } from '@aap/evaluation-service';
import { service as fundingAward } from '@aap/funding-award-service';
import { service as notification } from '@aap/notification-service';
import { httpClient, readTopic, useTestEnvironment, waitFor } from '@aap/test-harness';
import { newEvent, toKafkaMessage } from './index';
import { provisionBroker } from './kafka-acls';
import { createIdempotentProducer } from './kafka-client';

// A broker of its own (SASL_SSL, SCRAM-SHA-512, ACLs on: StandardAuthorizer, nothing allowed that no
// ACL allows); the shared PLAINTEXT broker is never touched. The database is the run's own.
const env = useTestEnvironment();
const passwords = Object.fromEntries(SERVICE_NAMES.map((service) => [service, randomBytes(12).toString('hex')])) as Record<ServiceName, string>;
const modules = { submission, evaluation, 'funding-award': fundingAward, notification };

describe('a broker with SASL and ACLs made from the catalogue: each service writes only its own topics', () => {
  let home: string;
  let broker: SecureKafka;
  const running: RunningService[] = [];

  /** A client authenticated as `username` (a service, or the administrator). */
  const clientAs = (username: string, password: string) =>
    new Kafka({
      clientId: `acl-test-${username}`,
      brokers: [broker.brokers],
      ssl: { ca: [readFileSync(broker.caFile, 'utf8')] },
      sasl: { mechanism: 'scram-sha-512', username, password },
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
    });
  const asService = (service: ServiceName) => clientAs(service, passwords[service]);
  const settingsOf = (service: ServiceName) => ({
    KAFKA_BROKERS: broker.brokers,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: broker.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: service,
    KAFKA_SASL_PASSWORD: passwords[service],
    KAFKA_TOPIC_PARTITIONS: '1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal',
  });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'aap-kafka-acls-'));
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    broker = await startSecureKafka({ home, port, controllerPort, users: passwords, authorize: true, log: (line) => console.log(`[kafka acl test] ${line}`) });
    // As the administrator: the topics of the catalogue, the dead-letter topics and the services' ACLs.
    const admin = clientAs(broker.admin.username, broker.admin.password).admin();
    await admin.connect();
    await provisionBroker(admin, { prefix: env.prefix, partitions: 1, replicationFactor: -1 });
    await admin.disconnect();
    // Each service with its own principal, side by side.
    running.push(...(await Promise.all(SERVICE_NAMES.map((service) => env.startService(modules[service], settingsOf(service))))));
    // A cap for a loaded machine (a JVM start took 45 s under a load of 20), not a pace: ~15 s otherwise.
  }, 180_000);

  afterAll(async () => {
    // The services first: their last outbox cycle and offset commits still need the broker.
    await Promise.allSettled(running.map((service) => service.stop()));
    await broker?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('the four services run with their principals: a probe goes submission → evaluation → funding-award → notification', { timeout: 40_000 }, async () => {
    const launched = await httpClient(running[0]!.url).as('admin').post('/diagnostics/probes', { label: 'through the ACLs' });
    expect(launched.status, JSON.stringify(launched.body)).toBe(202);
    const probeId = launched.body.probeId as string;
    await waitFor(() => env.database('notification').collection('journey_probes').findOne({ _id: probeId as never }), {
      deadlineMs: 30_000,
      what: 'the probe to reach notification, each hop produced and consumed under its own principal',
    });
  });

  it('an evaluation event forged by the notification principal is refused by the broker (TOPIC_AUTHORIZATION_FAILED), and notification reads no topic it does not consume', { timeout: 30_000 }, async () => {
    const producer = createIdempotentProducer(asService('notification'));
    await producer.connect();
    try {
      const forged = { key: 'dossier-1', value: JSON.stringify({ dossierId: 'dossier-1', reviewers: [{ reviewerId: 'intruder' }] }), headers: { ce_type: EvaluationReviewersAssigned.type, ce_source: sourceOf('evaluation') } };
      await expect(producer.send({ topic: eventTopicName(env.prefix, EvaluationReviewersAssigned.topic), messages: [forged] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
      // Its own dead-letter topic it may write (the control: the refusal above is the ACL's, not the client's).
      await producer.send({ topic: deadLetterTopicName(env.prefix, 'notification'), messages: [{ value: 'control' }] });
    } finally {
      await producer.disconnect();
    }
    // The committee's budget facts are evaluation's own: no grant lets notification read them.
    const admin = asService('notification').admin();
    await admin.connect();
    try {
      await expect(admin.fetchTopicOffsets(`${env.prefix}.evaluation.committee`)).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    } finally {
      await admin.disconnect();
    }
  });

  it('on a topic the broker lets evaluation write, a consumer still refuses an event whose source does not own it', { timeout: 30_000 }, async () => {
    const forged = newEvent('evaluation', DossierAccepted, {
      dossierId: `dossier-${randomUUID()}`,
      number: 'AAP-2026-000001',
      callId: 'call-1',
      waveId: 'vague-1',
      organisationId: '216901231',
      at: new Date().toISOString(),
      grantCents: 150_000_000,
      stateRateBps: 5_000,
      eligibleCostCents: 300_000_000,
      requestedGrantCents: 150_000_000,
      motivation: 'forged',
    });
    forged.envelope.source = sourceOf('notification');
    const producer = createIdempotentProducer(asService('evaluation'));
    await producer.connect();
    try {
      await producer.send({ topic: eventTopicName(env.prefix, DossierAccepted.topic), messages: [toKafkaMessage(forged.envelope)] });
    } finally {
      await producer.disconnect();
    }
    const dead = await readTopic(clientAs(broker.admin.username, broker.admin.password), deadLetterTopicName(env.prefix, 'submission'), { atLeast: 1, deadlineMs: 20_000 });
    expect(dead.map((message) => [message.headers.ce_id, message.headers.dlq_reason])).toContainEqual([forged.envelope.id, 'untrusted-source']);
  });
});
