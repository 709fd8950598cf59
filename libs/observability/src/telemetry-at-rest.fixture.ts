// Run as a process by telemetry.unit.test.ts: starts telemetry as a service does (both exporters, the
// instrumentations), then says which metric readers collect metrics and whether a log would be collected
// (NodeSDK's default metric reader and log processor export on a timer, waking a service at rest).
import { logs, metrics } from '@opentelemetry/api';
import { startTelemetry } from './telemetry';

startTelemetry({
  serviceName: 'at-rest-fixture',
  env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9/api/v2/spans', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
});
// The SDK has no public accessor for a provider's readers: read from its state (none: the API's no-op provider).
const collectors = (metrics.getMeterProvider() as unknown as { _sharedState?: { metricCollectors: Array<{ _metricReader: object }> } })._sharedState?.metricCollectors ?? [];
process.stdout.write(
  JSON.stringify({
    metricReaders: collectors.map((collector) => collector._metricReader.constructor.name),
    logsCollected: logs.getLogger('at-rest-fixture').enabled({}),
  }),
);
process.exit(0);
