// Run as a process by telemetry.unit.test.ts: starts telemetry as a service does (both exporters, the
// instrumentations), then says whether a metric or a log would be collected (NodeSDK's default metric
// reader and log processor export on a timer, waking a service at rest).
import { logs, metrics } from '@opentelemetry/api';
import { startTelemetry } from './telemetry';

startTelemetry({
  serviceName: 'at-rest-fixture',
  env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9/api/v2/spans', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
});
process.stdout.write(
  JSON.stringify({ meterProvider: metrics.getMeterProvider().constructor.name, logsCollected: logs.getLogger('at-rest-fixture').enabled({}) }),
);
process.exit(0);
