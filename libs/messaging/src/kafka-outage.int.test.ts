import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '@aap/service-runtime';
import { service as submission } from '@aap/submission-service';
import { service as evaluation } from '@aap/evaluation-service';
import { httpClient, useTestEnvironment, waitFor } from '@aap/test-harness';

// A Kafka broker of its own (free ports, private home; the provisioned binaries from the shared
// cache) that this test stops and starts again: the shared broker is never touched. The database
// is the run's own: only the broker goes away.
const { freePort, upLocalService, downLocalInfra } = await import('@aap/local-infra');
const variables = ['AAP_INFRA_HOME', 'AAP_KAFKA_PORT', 'AAP_KAFKA_CONTROLLER_PORT'] as const;
const saved = Object.fromEntries(variables.map((name) => [name, process.env[name]]));
const home = mkdtempSync(join(tmpdir(), 'aap-kafka-outage-'));
const kafkaPort = await freePort();
let controllerPort = await freePort();
while (controllerPort === kafkaPort) controllerPort = await freePort();
process.env.AAP_INFRA_HOME = home;
process.env.AAP_KAFKA_PORT = String(kafkaPort);
process.env.AAP_KAFKA_CONTROLLER_PORT = String(controllerPort);
const brokerUp = () => upLocalService('kafka', { log });
const brokerDown = () => downLocalInfra({ only: ['kafka'], log });

const env = useTestEnvironment();
const log = (line: string) => console.log(`[kafka outage test] ${line}`);

describe('Kafka goes away and comes back while the services run', () => {
  let publisher: RunningService;
  let consumer: RunningService;
  const launch = async (label: string) => {
    const answer = await httpClient(publisher.url).as('admin').post('/diagnostics/probes', { label });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    return answer.body.probeId as string;
  };
  const reachedEvaluation = (probeId: string) => env.database('evaluation').collection('journey_probes').findOne({ _id: probeId as never });
  const readiness = async () => httpClient(publisher.url).anonymous().get('/health/ready');

  beforeAll(async () => {
    await brokerUp();
    const overrides = { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal' };
    publisher = await env.startService(submission, overrides);
    consumer = await env.startService(evaluation, overrides);
    const before = await launch('before the outage');
    await waitFor(() => reachedEvaluation(before), { deadlineMs: 60_000, what: 'a probe through the broker before the outage' });
  }, 240_000);

  afterAll(async () => {
    await Promise.allSettled([publisher?.stop(), consumer?.stop()]);
    await brokerDown();
    rmSync(home, { recursive: true, force: true });
    for (const name of variables) if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }, 120_000);

  it('the outbox holds the events and readiness says 503 while it is down; once back, the events are published and the consumer resumes', { timeout: 240_000 }, async () => {
    await brokerDown();

    const ready = await waitFor(async () => {
      const answer = await readiness();
      return answer.status === 503 && answer;
    }, { deadlineMs: 30_000, what: 'readiness 503 with the broker down' });
    expect(ready.body).toEqual({ status: 'unavailable', checks: { database: { status: 'ok' }, kafka: { status: 'unavailable' } } });

    // A command still succeeds: its state and its event are written together; the event waits in the outbox.
    const during = await launch('during the outage');
    expect(await env.database('submission').collection('journey_probes').findOne({ _id: during as never })).toMatchObject({ outboxPending: true });

    await brokerUp();

    await waitFor(async () => (await readiness()).status === 200, { deadlineMs: 60_000, what: 'readiness 200 with the broker back' });
    await waitFor(() => env.database('submission').collection('journey_probes').findOne({ _id: during as never, outboxPending: false }), {
      deadlineMs: 120_000,
      what: 'the held event published',
    });
    await waitFor(() => reachedEvaluation(during), { deadlineMs: 120_000, what: 'the consumer to handle the event published after the outage' });
    // And it goes on: a probe launched now goes through as before.
    const after = await launch('after the outage');
    await waitFor(() => reachedEvaluation(after), { deadlineMs: 60_000, what: 'a probe through the broker after the outage' });
  });
});
