import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, startServiceProcess, useTestEnvironment, waitFor, type ServiceProcess } from '@aap/test-harness';

const env = useTestEnvironment();

describe('walking skeleton: a journey probe crosses the four services over Kafka', () => {
  let services: Record<'submission' | 'evaluation' | 'fundingAward' | 'notification', ServiceProcess>;
  const running: ServiceProcess[] = [];

  // Each service is its own process running its real entry point (main.ts), as in production.
  beforeAll(async () => {
    const started = await Promise.allSettled((['submission', 'evaluation', 'funding-award', 'notification'] as const).map((name) => startServiceProcess(name, env.envFor(name))));
    running.push(...started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : [])));
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const [s, e, f, n] = running;
    services = { submission: s!, evaluation: e!, fundingAward: f!, notification: n! };
  });
  afterAll(() => Promise.all(running.map((service) => service.stop())));

  it('every service is ready: database and Kafka reachable', async () => {
    for (const service of Object.values(services)) {
      const response = await fetch(`${service.url}/health/ready`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: 'ok',
        checks: { database: { status: 'ok' }, kafka: { status: 'ok' } },
      });
    }
  });

  it('submission → evaluation → funding-award → notification, each persisting what it received', async () => {
    const launched = await fetch(`${services.submission.url}/diagnostics/probes`, {
      method: 'POST',
      headers: await authHeaders({ roles: ['admin'] }),
      body: JSON.stringify({ label: 'walking skeleton' }),
    });
    expect(launched.status).toBe(202);
    const { probeId, correlationId } = (await launched.json()) as { probeId: string; correlationId: string };

    const atNotification = await waitFor(
      async () => {
        const response = await fetch(`${services.notification.url}/diagnostics/probes/${probeId}`, { headers: await authHeaders({ roles: ['admin'] }) });
        return response.status === 200 && ((await response.json()) as { hops: Array<{ service: string }>; correlationId: string });
      },
      { what: 'the probe at the notification service' },
    );
    expect(atNotification.hops.map((h) => h.service)).toEqual(['submission', 'evaluation', 'funding-award', 'notification']);
    // One business flow: the correlation id of the first event travels to the last service.
    expect(atNotification.correlationId).toBe(correlationId);

    for (const [name, hopCount] of [['evaluation', 2], ['fundingAward', 3]] as const) {
      const response = await fetch(`${services[name].url}/diagnostics/probes/${probeId}`, { headers: await authHeaders({ roles: ['admin'] }) });
      expect(((await response.json()) as { hops: unknown[] }).hops).toHaveLength(hopCount);
    }
    // Every outbox was emptied by its relay.
    for (const db of ['submission', 'evaluation', 'funding-award'] as const) {
      await waitFor(() => env.database(db).collection('journey_probes').findOne({ _id: probeId as never, outboxPending: false }), { what: `the probe relayed by ${db}` });
    }
  });

  it('refuses an invalid launch with problem+json naming the field, and records nothing', async () => {
    const response = await fetch(`${services.submission.url}/diagnostics/probes`, {
      method: 'POST',
      headers: await authHeaders({ roles: ['admin'] }),
      body: JSON.stringify({ label: '' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: Array<{ name: string; in: string }> };
    expect(problem.errors).toEqual([expect.objectContaining({ name: 'label', in: 'body' })]);
    const before = await env.database('submission').collection('journey_probes').countDocuments();
    expect(before).toBe(1); // only the probe of the previous test
  });

  it('is for platform operators only: 401 without a token, 403 for an applicant', async () => {
    const body = JSON.stringify({ label: 'not allowed' });
    const anonymous = await fetch(`${services.submission.url}/diagnostics/probes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(anonymous.status).toBe(401);
    const applicant = await fetch(`${services.submission.url}/diagnostics/probes`, {
      method: 'POST',
      headers: await authHeaders({ roles: ['applicant'], org: '216901231' }),
      body,
    });
    expect(applicant.status).toBe(403);
  });

  it('answers 404 problem+json for an unknown probe', async () => {
    const response = await fetch(`${services.evaluation.url}/diagnostics/probes/5b1f1c1e-8f43-4a57-9d43-0d6a2a1e2f10`, { headers: await authHeaders({ roles: ['admin'] }) });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
