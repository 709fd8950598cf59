import type { FastifyInstance, FastifyReply } from 'fastify';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import fp from 'fastify-plugin';
import { context, trace, SpanKind, SpanStatusCode, restoreTraceContext, type Span } from '@aap/observability';

declare module 'fastify' {
  interface FastifyRequest {
    /** The SERVER span this plugin opened, when no HTTP instrumentation did. */
    span?: Span;
  }
}

/**
 * A SERVER span per request, child of the caller's `traceparent` if any, made the active context for
 * the handler, so everything the handler records (outbox events, logs) belongs to the request's trace.
 * In a service process the HTTP instrumentation has already opened that span (telemetry.ts): it is
 * named after the route here and ended by the instrumentation; elsewhere (app.inject, a test without
 * the instrumentation) the plugin opens and ends it.
 */
export const tracingPlugin = fp(async (app: FastifyInstance) => {
  const tracer = trace.getTracer('@aap/http');
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    const name = `${request.method} ${route ?? request.url}`;
    const attributes = { 'http.request.method': request.method, 'url.path': request.url.split('?')[0], 'http.route': route ?? '' };
    const instrumented = getRPCMetadata(context.active());
    if (instrumented?.type === RPCType.HTTP) {
      instrumented.span.updateName(name);
      instrumented.span.setAttributes(attributes);
      if (route) instrumented.route = route;
      announce(reply, instrumented.span);
      done();
      return;
    }
    const parent = restoreTraceContext(request.headers as Record<string, string>);
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    request.span = span;
    announce(reply, span);
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.span?.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) request.span?.setStatus({ code: SpanStatusCode.ERROR });
    request.span?.end();
    done();
  });
});

/** W3C Trace Context `traceresponse`: lets a caller (or a test) find the trace of its request. */
function announce(reply: FastifyReply, span: Span): void {
  const { traceId, spanId, traceFlags } = span.spanContext();
  reply.header('traceresponse', `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`);
}
