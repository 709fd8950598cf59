import { afterAll, describe, expect, it } from 'vitest';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { context, trace } from '@opentelemetry/api';
import { spanExportersFromEnv, startTelemetry, stopTelemetry } from './telemetry';
import { captureTraceContext, inSpan, SpanKind } from './propagation';

describe('spanExportersFromEnv', () => {
  it('given no exporter variable, when reading the environment, then no exporter', () => {
    expect(spanExportersFromEnv({})).toEqual([]);
  });

  it('given OTEL_EXPORTER_ZIPKIN_ENDPOINT, when reading the environment, then a Zipkin exporter', () => {
    const exporters = spanExportersFromEnv({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans' });
    expect(exporters).toHaveLength(1);
    expect(exporters[0]).toBeInstanceOf(ZipkinExporter);
  });

  it('given both endpoints, when reading the environment, then Zipkin and OTLP/HTTP', () => {
    const exporters = spanExportersFromEnv({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    expect(exporters.map((e) => e.constructor)).toEqual([ZipkinExporter, OTLPTraceExporter]);
  });
});

describe('startTelemetry without any exporter (what `npm start` had)', () => {
  startTelemetry({ serviceName: 'telemetry-unit', env: {} });
  afterAll(() => stopTelemetry());

  it('given no exporter, when a span is started, then its trace id is real and its context propagates across awaits', async () => {
    await inSpan('work', { kind: SpanKind.INTERNAL }, async (span) => {
      const { traceId } = span.spanContext();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceId).not.toMatch(/^0+$/);
      await new Promise((r) => setTimeout(r, 1));
      expect(trace.getSpan(context.active())?.spanContext().traceId).toBe(traceId);
      expect(captureTraceContext().traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    });
  });
});
