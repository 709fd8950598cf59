import { once } from 'node:events';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ProbeLaunched, eventTopicName } from '@aap/contracts';
import { authHeaders, readTopic, startServiceProcess, useTestEnvironment, waitFor, type ServiceProcess } from '@aap/test-harness';

const env = useTestEnvironment();

/**
 * A request whose body the client sends slowly: the server has accepted it (headers read, counted
 * as in flight) and waits for the rest. It resolves once the server said so: with `Expect:
 * 100-continue`, Node's server answers "100 Continue" as it hands the request over, and the onRequest
 * hooks (the drain's count among them) finish in that same turn of its event loop, the token being
 * already verified (the server remembers it from a first request). `finish()` sends the rest and
 * resolves with the answer.
 */
async function startSlowProbeLaunch(url: string, label: string): Promise<{ finish(): Promise<{ status: number; body: string }>; answered: Promise<IncomingMessage> }> {
  const body = JSON.stringify({ label });
  const authorization = await authHeaders({ roles: ['admin'] });
  const refused = await fetch(`${url}/diagnostics/probes`, { method: 'POST', headers: authorization, body: '{}' });
  expect(refused.status).toBe(400); // the token verified and remembered, nothing written
  const headers = { ...authorization, 'content-length': String(Buffer.byteLength(body)), expect: '100-continue' };
  let client!: ClientRequest;
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    client = request(`${url}/diagnostics/probes`, { method: 'POST', headers }, resolve);
    client.on('error', reject);
  });
  const accepted = once(client, 'continue');
  client.flushHeaders();
  client.write(body.slice(0, 5));
  await accepted;
  return {
    answered,
    async finish() {
      client.end(body.slice(5));
      const response = await answered;
      let text = '';
      for await (const chunk of response) text += chunk;
      return { status: response.statusCode!, body: text };
    },
  };
}

describe('graceful stop of a service process on SIGTERM', () => {
  let running: ServiceProcess | undefined;
  afterEach(async () => {
    await running?.stop('SIGKILL');
    running = undefined;
  });

  it('readiness turns 503, the request in flight completes and its event is published, exit 0 (within SHUTDOWN_TIMEOUT_MS: past it the exit code is 1)', async () => {
    running = await startServiceProcess('submission', env.envFor('submission', { SHUTDOWN_TIMEOUT_MS: '10000' }));
    const slow = await startSlowProbeLaunch(running.url, 'in flight during shutdown');

    running.process.kill('SIGTERM');

    const ready = await waitFor(
      async () => {
        const response = await fetch(`${running!.url}/health/ready`);
        return response.status === 503 && response;
      },
      { intervalMs: 50, what: 'readiness 503 after SIGTERM' },
    );
    expect(await ready.json()).toEqual({ status: 'unavailable', checks: { shutdown: { status: 'unavailable' } } });

    // New work is refused with a problem document, not a refused connection.
    const refused = await fetch(`${running.url}/diagnostics/probes`, { method: 'POST', headers: await authHeaders({ roles: ['admin'] }), body: JSON.stringify({ label: 'too late' }) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.headers.get('retry-after')).toBeTruthy();

    // Still draining: the process waits for the request in flight.
    expect(running.process.exitCode).toBeNull();
    const answer = await slow.finish();
    expect(answer.status).toBe(202);
    const { probeId } = JSON.parse(answer.body) as { probeId: string };

    expect(await running.exited).toBe(0);

    // The relay's last cycle published what the drained request wrote.
    const stored = await env.database('submission').collection('journey_probes').findOne({ _id: probeId as never });
    expect(stored).toMatchObject({ outboxPending: false });
    const launched = (await readTopic(env.kafka(), eventTopicName(env.prefix, ProbeLaunched.topic), { atLeast: 1 })).filter((m) => m.key === probeId);
    expect(launched).toHaveLength(1);
    expect(await env.database('submission').collection('journey_probes').countDocuments({ label: 'too late' })).toBe(0);
    expect(running.output()).toMatch(/"msg":"stopped"/);
    expect(running.output()).not.toMatch(/were cut/);
  });

  it('a client that never finishes its request is cut at the HTTP drain bound; the process still exits 0 (within SHUTDOWN_TIMEOUT_MS)', async () => {
    running = await startServiceProcess('submission', env.envFor('submission', { SHUTDOWN_TIMEOUT_MS: '8000', LOG_LEVEL: 'debug' }));
    const stuck = await startSlowProbeLaunch(running.url, 'never finished');
    stuck.answered.catch(() => undefined); // its connection is cut

    running.process.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.output()).toMatch(/"cut":1,"msg":"requests still running after the HTTP drain bound were cut"/);
    expect(await env.database('submission').collection('journey_probes').countDocuments({ label: 'never finished' })).toBe(0);
  });
});
