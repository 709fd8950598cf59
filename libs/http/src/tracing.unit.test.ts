import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createHttpServer, type HttpServer } from './server';
import { DEVELOPMENT_JWT_SECRET } from './dev-tokens';

const auth = { jwtSecret: DEVELOPMENT_JWT_SECRET };
const PUBLIC = { access: { public: true } } as const;

/**
 * With a real tracer provider and the W3C propagator registered (as startTelemetry does in a service),
 * each request gets a SERVER span that continues the caller's trace and is announced in `traceresponse`.
 * Globals are per test file (vitest isolates files), and are reset after.
 */
describe('request tracing with telemetry registered', () => {
  const exporter = new InMemorySpanExporter();
  let app: HttpServer;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    app = await createHttpServer({ service: 'test', logger: pino({ level: 'silent' }), readiness: [], auth });
    // The query parameter lets the test check that url.path leaves the query out.
    app.get('/dossiers/:id', { config: PUBLIC, schema: { querystring: z.object({ x: z.string().max(10).optional() }) } }, async (request) => ({ id: (request.params as { id: string }).id }));
    app.get('/boom', { config: PUBLIC }, async () => {
      throw new Error('boom');
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    trace.disable();
    propagation.disable();
  });

  it('given a caller traceparent, when answering, then traceresponse continues the caller trace with a new span', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const callerSpanId = 'b7ad6b7169203331';

    const response = await app.inject({ method: 'GET', url: '/dossiers/d-7', headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });

    expect(response.statusCode).toBe(200);
    const [version, responseTraceId, spanId, flags] = String(response.headers.traceresponse).split('-');
    expect(version).toBe('00');
    expect(responseTraceId).toBe(traceId);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(callerSpanId);
    expect(flags).toBe('01');
  });

  it('given no traceparent, when answering, then a new valid trace is started', async () => {
    const response = await app.inject({ method: 'GET', url: '/dossiers/d-8' });

    const [, traceId, spanId] = String(response.headers.traceresponse).split('-');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('0'.repeat(32));
    expect(spanId).not.toBe('0'.repeat(16));
  });

  it('given requests, when they end, then SERVER spans record the route and status, and a 500 is an error', async () => {
    exporter.reset();

    const ok = await app.inject({ method: 'GET', url: '/dossiers/d-9?x=1' });
    const failed = await app.inject({ method: 'GET', url: '/boom' });

    const spans = exporter.getFinishedSpans();
    const okSpan = spans.find((s) => s.spanContext().spanId === String(ok.headers.traceresponse).split('-')[2]);
    const failedSpan = spans.find((s) => s.spanContext().spanId === String(failed.headers.traceresponse).split('-')[2]);
    expect(okSpan?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/dossiers/:id',
      'url.path': '/dossiers/d-9',
      'http.response.status_code': 200,
    });
    expect(okSpan?.status.code).not.toBe(2);
    expect(failedSpan?.attributes['http.response.status_code']).toBe(500);
    expect(failedSpan?.status.code).toBe(2); // SpanStatusCode.ERROR
  });
});
