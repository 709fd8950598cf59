import { describe, expect, it, beforeAll } from 'vitest';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { SpanKind } from '@opentelemetry/api';
import { consumerGroupId } from '@aap/contracts';
import { authHeaders, useTestEnvironment, waitFor } from '@aap/test-harness';
import type { RunningService } from '@aap/service-runtime';
import { service as submission } from '@aap/submission-service';
import { service as evaluation } from '@aap/evaluation-service';
import { service as fundingAward } from '@aap/funding-award-service';
import { startTelemetry } from './telemetry';

const exporter = new InMemorySpanExporter();
// The services are imported above, before telemetry starts: the libraries cannot be instrumented, the project's own spans are checked.
startTelemetry({ serviceName: 'trace-test', spanProcessors: [new SimpleSpanProcessor({ exporter })], instrumentLibraries: false });

const env = useTestEnvironment();

describe('one trace follows a request across HTTP, Kafka and the consuming services', () => {
  let services: RunningService[];
  beforeAll(async () => {
    services = await Promise.all([submission, evaluation, fundingAward].map((m) => env.startService(m)));
  });

  it('the caller trace id spans the HTTP request, the produced message and each consumer hop', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${services[0]!.url}/diagnostics/probes`, {
      method: 'POST',
      headers: { ...(await authHeaders({ roles: ['admin'] })), traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ label: 'traced' }),
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('traceresponse')).toMatch(new RegExp(`^00-${traceId}-`));
    const { probeId } = (await response.json()) as { probeId: string };

    // server → publish → evaluation process → publish → funding-award process
    const spans = await waitFor(
      () => {
        const ours = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
        return ours.filter((s) => s.kind === SpanKind.CONSUMER).length >= 2 && ours;
      },
      { what: 'the two consumer spans of the trace' },
    );
    expect(spans.filter((s) => s.kind === SpanKind.CONSUMER)).toHaveLength(2);

    const server = only(spans, (s) => s.kind === SpanKind.SERVER);
    expect(server.name).toBe('POST /diagnostics/probes');
    const firstPublish = only(spans, (s) => s.kind === SpanKind.PRODUCER && s.attributes['messaging.destination.name'] === `${env.prefix}.submission.probe`);
    const evaluationProcess = only(spans, (s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.consumer.group.name'] === consumerGroupId(env.prefix, 'evaluation'));
    const secondPublish = only(spans, (s) => s.kind === SpanKind.PRODUCER && s.attributes['messaging.destination.name'] === `${env.prefix}.evaluation.probe`);
    const fundingProcess = only(spans, (s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.consumer.group.name'] === consumerGroupId(env.prefix, 'funding-award'));

    // A causal chain, each span the child of the previous one.
    expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(firstPublish.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(evaluationProcess.parentSpanContext?.spanId).toBe(firstPublish.spanContext().spanId);
    expect(secondPublish.parentSpanContext?.spanId).toBe(evaluationProcess.spanContext().spanId);
    expect(fundingProcess.parentSpanContext?.spanId).toBe(secondPublish.spanContext().spanId);
    expect(evaluationProcess.attributes['messaging.message.id']).toBe(firstPublish.attributes['messaging.message.id']);
    expect(firstPublish.attributes['messaging.kafka.message.key']).toBe(probeId);
  });
});

function only(spans: ReadableSpan[], predicate: (span: ReadableSpan) => boolean): ReadableSpan {
  const found = spans.filter(predicate);
  expect(found, `spans: ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
}
