import type { ServiceName } from '@aap/contracts';
import { DEFAULT_METRICS_PORTS, DEFAULT_PORTS } from '@aap/config';

/** `<SERVICE>_<suffix>` (FUNDING_AWARD_PORT…): how `npm start` is told one service's setting. */
const variableOf = (service: ServiceName, suffix: string) => `${service.toUpperCase().replace('-', '_')}_${suffix}`;

/** The port `npm start` gives a service: `<SERVICE>_PORT` (FUNDING_AWARD_PORT…), else its default. */
export function portOf(service: ServiceName): number {
  return Number(process.env[variableOf(service, 'PORT')] ?? DEFAULT_PORTS[service]);
}

/** The admin port of `/metrics` chosen for a service under `npm start` (`<SERVICE>_METRICS_PORT`), if any. */
export function chosenMetricsPort(service: ServiceName): string | undefined {
  return process.env[variableOf(service, 'METRICS_PORT')];
}

/** The admin port of a service's `/metrics` under `npm start`: the chosen one, else its default (9464…9467). */
export function metricsPortOf(service: ServiceName): number {
  return Number(chosenMetricsPort(service) ?? DEFAULT_METRICS_PORTS[service]);
}
