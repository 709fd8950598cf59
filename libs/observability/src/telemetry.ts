import { setTimeout as sleep } from 'node:timers/promises';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { AggregationType, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { dropPrometheusReader, prometheusReader } from './metrics';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** Extra processors (tests pass a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
  /**
   * Instrument the libraries (HTTP server and client, fastify, the MongoDB driver), on by default.
   * They patch a module when it is loaded, so telemetry starts before the service is imported; a test
   * that imports the services first turns them off and sees only the project's own spans.
   */
  instrumentLibraries?: boolean;
  env?: Record<string, string | undefined>;
}

let sdk: NodeSDK | undefined;
let processors: SpanProcessor[] = [];

/** The exporters the environment asks for: Zipkin v2 JSON and/or OTLP/HTTP, none by default. */
export function spanExportersFromEnv(env: Record<string, string | undefined>): SpanExporter[] {
  const exporters: SpanExporter[] = [];
  if (env.OTEL_EXPORTER_ZIPKIN_ENDPOINT) exporters.push(new ZipkinExporter({ url: env.OTEL_EXPORTER_ZIPKIN_ENDPOINT }));
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) exporters.push(new OTLPTraceExporter());
  return exporters;
}

/**
 * The libraries' instrumentations. kafkajs' own (@opentelemetry/instrumentation-kafkajs) is left out on
 * purpose: it parents each sent message's span on the context of the `sendBatch` call and overwrites the
 * message's `traceparent`, so the outbox relay, which sends the events of many requests in one batch,
 * would start a new trace for each event; and it consumes a batch under a new root span. The relay and
 * the consumer make the Kafka spans themselves (messaging semantic conventions), each the child of the
 * request or message that caused it (libs/messaging).
 */
function libraryInstrumentations(): Instrumentation[] {
  return [
    // Incoming requests get their SERVER span here (libs/http names it after the route); outgoing
    // calls only within a trace, so a poll at rest makes no span.
    new HttpInstrumentation({ requireParentforOutgoingSpans: true }),
    // Spans of fastify's hooks and handler, registered on every fastify instance as it is created.
    new FastifyOtelInstrumentation({ registerOnInitialization: true }),
    // Every database command within a request or a message; the background polls (outbox relay,
    // delivery queues) have no parent span and make none.
    new MongoDBInstrumentation({ requireParentSpan: true }),
  ];
}

/**
 * The HTTP instrumentation's own request metrics are dropped: the service records
 * `http.server.request.duration` itself, per route template and status class, in every process
 * (libs/service-runtime/src/metrics.ts), and the admin port's scrapes are no requests of the API.
 */
const METRIC_VIEWS: ViewOptions[] = [{ meterName: '@opentelemetry/instrumentation-http', aggregation: { type: AggregationType.DROP } }];

/**
 * Starts, once per process and before the application is imported, OpenTelemetry's NodeSDK: a tracer
 * provider, a meter provider, the AsyncLocalStorage context manager, the W3C trace-context propagator
 * and the library instrumentations. Metrics are pulled by Prometheus (metrics.ts): the metric readers
 * and log processors NodeSDK would otherwise take from the environment export on a timer, so a service
 * at rest would wake up to push; none is set, and no log processor.
 * The tracer provider is registered even with no exporter: otherwise the API's no-op tracer hands out
 * all-zero trace ids and nothing is propagated to Kafka (NodeSDK registers none without a processor).
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (sdk) return;
  const env = options.env ?? process.env;
  processors = [...(options.spanProcessors ?? []), ...spanExportersFromEnv(env).map((exporter) => new BatchSpanProcessor({ exporter }))];
  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion ?? '0.1.0',
    }),
    spanProcessors: processors.length > 0 ? processors : [new NoopSpanProcessor()],
    metricReaders: [prometheusReader()],
    views: METRIC_VIEWS,
    logRecordProcessors: [],
    instrumentations: options.instrumentLibraries === false ? [] : libraryInstrumentations(),
  });
  sdk.start();
}

/** Waits for `work` at most `ms`: an exporter whose collector does not answer must not hold a shutdown. */
async function atMost(ms: number, work: Promise<unknown> | undefined): Promise<void> {
  const ac = new AbortController();
  await Promise.race([work, sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined)]).finally(() => ac.abort());
}

/** Sends the spans still buffered (at shutdown, before the connections close), waiting at most `timeoutMs`. */
export async function flushTelemetry(timeoutMs = 2_000): Promise<void> {
  await atMost(timeoutMs, Promise.all(processors.map((processor) => processor.forceFlush())));
}

export async function stopTelemetry(timeoutMs = 2_000): Promise<void> {
  const running = sdk;
  sdk = undefined;
  processors = [];
  await atMost(timeoutMs, running?.shutdown());
  dropPrometheusReader();
}
