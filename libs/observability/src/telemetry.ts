import { NodeSDK } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** Extra processors (tests pass a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
  env?: Record<string, string | undefined>;
}

let sdk: NodeSDK | undefined;

/**
 * Starts the OpenTelemetry NodeSDK once per process, before the application is imported.
 * Spans are exported over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is set; trace ids are
 * produced (and logged) either way. Spans are created by our own fastify hook and Kafka
 * relay/consumer, so no monkey-patching instrumentation is needed.
 */
export function startTelemetry(options: TelemetryOptions): NodeSDK {
  if (sdk) return sdk;
  const env = options.env ?? process.env;
  const spanProcessors = [...(options.spanProcessors ?? [])];
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion ?? '0.1.0',
    }),
    spanProcessors,
    instrumentations: [],
  });
  sdk.start();
  return sdk;
}

export async function stopTelemetry(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
