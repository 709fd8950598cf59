import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { context, trace, SpanKind, SpanStatusCode, restoreTraceContext, type Span } from '@aap/observability';

declare module 'fastify' {
  interface FastifyRequest {
    span?: Span;
  }
}

/**
 * A SERVER span per request, child of the caller's `traceparent` if any, made the active context for
 * the handler, so everything the handler records (outbox events, logs) belongs to the request's trace.
 */
export const tracingPlugin = fp(async (app: FastifyInstance) => {
  const tracer = trace.getTracer('@aap/http');
  app.addHook('onRequest', (request, reply, done) => {
    const parent = restoreTraceContext(request.headers as Record<string, string>);
    const span = tracer.startSpan(
      `${request.method} ${request.routeOptions.url ?? request.url}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0],
          'http.route': request.routeOptions.url ?? '',
        },
      },
      parent,
    );
    request.span = span;
    // W3C Trace Context `traceresponse`: lets a caller (or a test) find the trace of its request.
    const { traceId, spanId, traceFlags } = span.spanContext();
    reply.header('traceresponse', `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`);
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.span?.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) request.span?.setStatus({ code: SpanStatusCode.ERROR });
    request.span?.end();
    done();
  });
});
