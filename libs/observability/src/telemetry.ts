import { setTimeout as sleep } from 'node:timers/promises';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** Extra processors (tests pass a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
  env?: Record<string, string | undefined>;
}

let provider: NodeTracerProvider | undefined;

/** The exporters the environment asks for: Zipkin v2 JSON and/or OTLP/HTTP, none by default. */
export function spanExportersFromEnv(env: Record<string, string | undefined>): SpanExporter[] {
  const exporters: SpanExporter[] = [];
  if (env.OTEL_EXPORTER_ZIPKIN_ENDPOINT) exporters.push(new ZipkinExporter({ url: env.OTEL_EXPORTER_ZIPKIN_ENDPOINT }));
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) exporters.push(new OTLPTraceExporter());
  return exporters;
}

/**
 * Registers, once per process and before the application is imported, a tracer provider, the
 * AsyncLocalStorage context manager and the W3C trace-context propagator.
 * The provider is registered even with no exporter: otherwise the API's no-op tracer hands out
 * all-zero trace ids and nothing is propagated to Kafka (what NodeSDK does without a span processor).
 * Spans are created by our own fastify hook and Kafka relay/consumer: no monkey-patching instrumentation.
 */
export function startTelemetry(options: TelemetryOptions): NodeTracerProvider {
  if (provider) return provider;
  const env = options.env ?? process.env;
  provider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        [ATTR_SERVICE_VERSION]: options.serviceVersion ?? '0.1.0',
      }),
    ),
    spanProcessors: [...(options.spanProcessors ?? []), ...spanExportersFromEnv(env).map((exporter) => new BatchSpanProcessor(exporter))],
  });
  provider.register();
  return provider;
}

/** Waits for `work` at most `ms`: an exporter whose collector does not answer must not hold a shutdown. */
async function atMost(ms: number, work: Promise<void> | undefined): Promise<void> {
  const ac = new AbortController();
  await Promise.race([work, sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined)]).finally(() => ac.abort());
}

/** Sends the spans still buffered (at shutdown, before the connections close), waiting at most `timeoutMs`. */
export async function flushTelemetry(timeoutMs = 2_000): Promise<void> {
  await atMost(timeoutMs, provider?.forceFlush());
}

export async function stopTelemetry(timeoutMs = 2_000): Promise<void> {
  const running = provider;
  provider = undefined;
  await atMost(timeoutMs, running?.shutdown());
}
