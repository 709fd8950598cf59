import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@aap/test-harness/wait-for';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { context, trace } from '@opentelemetry/api';
import { flushTelemetry, spanExportersFromEnv, startTelemetry, stopTelemetry } from './telemetry';
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

describe('telemetry at rest', () => {
  it('given telemetry started with both exporters and the instrumentations, then metrics are only pulled (Prometheus, no periodic reader) and no log is collected (no reader or processor polls)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./telemetry-at-rest.fixture.ts', import.meta.url))], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ metricReaders: ['PrometheusExporter'], logsCollected: false });
  }, 30_000); // a tsx process's start, not the claim, takes beyond the default 5 s on a loaded machine
});

// One tracer provider per process: started once for the file, exporting to a collector that accepts
// connections and never answers (a hung Zipkin), so a span export never completes.
/** Export requests the collector received and never answered. */
const unanswered: unknown[] = [];
const hungCollector = createServer((request) => void unanswered.push(request));
await new Promise<void>((resolve) => hungCollector.listen(0, '127.0.0.1', resolve));
startTelemetry({
  serviceName: 'telemetry-unit',
  env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `http://127.0.0.1:${(hungCollector.address() as AddressInfo).port}/api/v2/spans` },
});
afterAll(async () => {
  await stopTelemetry(100);
  hungCollector.closeAllConnections();
  hungCollector.close();
});

describe('startTelemetry', () => {
  it('given any configuration, when a span is started, then its trace id is real and its context propagates across awaits', async () => {
    await inSpan('work', { kind: SpanKind.INTERNAL }, async (span) => {
      const { traceId } = span.spanContext();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceId).not.toMatch(/^0+$/);
      await new Promise((r) => setTimeout(r, 1));
      expect(trace.getSpan(context.active())?.spanContext().traceId).toBe(traceId);
      expect(captureTraceContext().traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    });
  });

  it('given a collector that never answers, when flushing at shutdown, then the flush gives up at its bound instead of waiting for the answer', async () => {
    await inSpan('buffered', { kind: SpanKind.INTERNAL }, async () => undefined);
    const flushed = flushTelemetry(300);
    // The export reached the collector, which will never answer it: only the bound can end the flush.
    await waitFor(() => unanswered.length > 0, { deadlineMs: 4_000, what: 'the span export to reach the collector' });
    await expect(flushed).resolves.toBeUndefined();
  });
});
