import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeLaunched, ProbeReachedEvaluation, ProbeReachedFundingAward, eventTopicName, type ServiceName } from '@aap/contracts';
import { authHeaders, readTopic, waitFor, startServiceProcess, useTestEnvironment, type ServiceProcess } from '@aap/test-harness';

/** A span as the Zipkin exporter sends it (Zipkin API v2, JSON). */
interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
  localEndpoint: { serviceName: string };
  tags?: Record<string, string>;
}

/** A Zipkin collector reduced to what the exporter needs: POST /api/v2/spans, answer 202. */
async function startZipkinReceiver(): Promise<{ server: Server; endpoint: string; spans: ZipkinSpan[] }> {
  const spans: ZipkinSpan[] = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    if (request.method === 'POST' && request.url === '/api/v2/spans') {
      spans.push(...(JSON.parse(body) as ZipkinSpan[]));
      response.writeHead(202).end();
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/spans`, spans };
}

const env = useTestEnvironment();
const services: ServiceName[] = ['submission', 'evaluation', 'funding-award', 'notification'];

describe('one trace across the four services, each its own process, exported to Zipkin', () => {
  let zipkin: Awaited<ReturnType<typeof startZipkinReceiver>>;
  const processes = new Map<ServiceName, ServiceProcess>();

  beforeAll(async () => {
    zipkin = await startZipkinReceiver();
    const started = await Promise.all(
      services.map((service) =>
        startServiceProcess(service, env.envFor(service, { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' })),
      ),
    );
    services.forEach((service, index) => processes.set(service, started[index]!));
  });

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop()));
    zipkin?.server.close();
  });

  it('a probe launched without a caller trace gets a real trace id, shared by the spans of all four services', async () => {
    const launched = await fetch(`${processes.get('submission')!.url}/diagnostics/probes`, {
      method: 'POST',
      headers: await authHeaders({ roles: ['admin'] }),
      body: JSON.stringify({ label: 'one trace' }),
    });
    expect(launched.status).toBe(202);
    const [, traceId, serverSpanId] = launched.headers.get('traceresponse')!.split('-');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toMatch(/^0+$/);
    const { probeId } = (await launched.json()) as { probeId: string };

    const consumersOf = (spans: ZipkinSpan[]) => spans.filter((s) => s.kind === 'CONSUMER').map((s) => s.localEndpoint.serviceName).sort();
    const spans = await waitFor(
      () => {
        const ours = zipkin.spans.filter((s) => s.traceId === traceId);
        return consumersOf(ours).length >= 3 && ours;
      },
      { deadlineMs: 30_000, what: 'the consumer spans of the three other services in Zipkin' },
    );
    expect(consumersOf(spans)).toEqual(['aap-evaluation', 'aap-funding-award', 'aap-notification']);

    const one = (kind: ZipkinSpan['kind'], serviceName: string) => {
      const found = spans.filter((s) => s.kind === kind && s.localEndpoint.serviceName === serviceName);
      expect(found, `${kind} spans of ${serviceName} in ${JSON.stringify(spans.map((s) => [s.localEndpoint.serviceName, s.kind, s.name]))}`).toHaveLength(1);
      return found[0]!;
    };
    const server = one('SERVER', 'aap-submission');
    expect(server.id).toBe(serverSpanId);
    expect(server.name.toLowerCase()).toBe('post /diagnostics/probes');
    expect(server.parentId).toBeUndefined(); // the trace starts here: no caller trace was sent
    // server → publish → process → publish → process → publish → process: each the child of the previous.
    const chain = [
      server,
      one('PRODUCER', 'aap-submission'),
      one('CONSUMER', 'aap-evaluation'),
      one('PRODUCER', 'aap-evaluation'),
      one('CONSUMER', 'aap-funding-award'),
      one('PRODUCER', 'aap-funding-award'),
      one('CONSUMER', 'aap-notification'),
    ];
    chain.slice(1).forEach((span, index) => expect(span.parentId, `${span.localEndpoint.serviceName} ${span.name}`).toBe(chain[index]!.id));

    // On Kafka: every message carries the trace; the causation of each relayed event is the event
    // that caused it, and the first one, caused by an HTTP request, has none.
    const messages = await Promise.all(
      [ProbeLaunched, ProbeReachedEvaluation, ProbeReachedFundingAward].map(async (definition) => {
        const onTopic = await readTopic(env.kafka(), eventTopicName(env.prefix, definition.topic), { atLeast: 1 });
        return onTopic.find((m) => m.key === probeId)!.headers;
      }),
    );
    for (const headers of messages) expect(headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const [first, second, third] = messages;
    expect(first).not.toHaveProperty('ce_causationid');
    expect(second!.ce_causationid).toBe(first!.ce_id);
    expect(third!.ce_causationid).toBe(second!.ce_id);
    expect(new Set(messages.map((h) => h.ce_correlationid))).toEqual(new Set([first!.ce_id]));
  });

  it('every log line of a request carries its real trace id', async () => {
    const response = await fetch(`${processes.get('evaluation')!.url}/health/ready`);
    const [, traceId] = response.headers.get('traceresponse')!.split('-');
    expect(traceId).not.toMatch(/^0+$/);
    await waitFor(() => processes.get('evaluation')!.output().includes(`"trace_id":"${traceId}"`), { what: "evaluation's log line with the trace id" });
  });
});
