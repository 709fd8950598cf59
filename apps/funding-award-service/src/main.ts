// Telemetry starts before anything else of the service is imported.
import { startTelemetry } from '@aap/observability';

startTelemetry({ serviceName: 'aap-funding-award' });

const { runServiceProcess } = await import('@aap/service-runtime');
const { service } = await import('./service');
await runServiceProcess(service);
