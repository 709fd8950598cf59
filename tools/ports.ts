import type { ServiceName } from '@aap/contracts';
import { DEFAULT_METRICS_PORTS, DEFAULT_PORTS } from '@aap/config';

/** The port `npm start` gives a service: `<SERVICE>_PORT` (FUNDING_AWARD_PORT…), else its default. */
export function portOf(service: ServiceName): number {
  const variable = `${service.toUpperCase().replace('-', '_')}_PORT`;
  return Number(process.env[variable] ?? DEFAULT_PORTS[service]);
}

/** The admin port of a service's `/metrics` under `npm start`: `<SERVICE>_METRICS_PORT`, else its default (9464…9467). */
export function metricsPortOf(service: ServiceName): number {
  const variable = `${service.toUpperCase().replace('-', '_')}_METRICS_PORT`;
  return Number(process.env[variable] ?? DEFAULT_METRICS_PORTS[service]);
}
