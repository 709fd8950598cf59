// Telemetry starts before anything else of the service is imported.
import { startTelemetry } from '@aap/observability';

startTelemetry({ serviceName: 'aap-notification' });

const { runServiceProcess } = await import('@aap/service-runtime');
const { service } = await import('./service');
const { notificationEnvSchema } = await import('./config');
await runServiceProcess(service, notificationEnvSchema);
