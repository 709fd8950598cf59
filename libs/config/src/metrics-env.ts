import type { ServiceName } from '@aap/contracts';
import { port } from './load-config';

/**
 * Default admin port of each service's Prometheus endpoint (`/metrics`): 9464, Prometheus' registered
 * port for OpenTelemetry, and the next three, so the four services of one machine do not collide.
 */
export const DEFAULT_METRICS_PORTS: Record<ServiceName, number> = {
  submission: 9464,
  evaluation: 9465,
  'funding-award': 9466,
  notification: 9467,
};

export const metricsEnvShape = {
  /** Admin port of `/metrics` (never the API's port). Unset: the service's default, or any free port when PORT is 0 (tests). */
  METRICS_PORT: port.optional(),
};

/** The port `/metrics` listens on: METRICS_PORT, else a free port beside a free API port, else the service's default. */
export function metricsPortOf(service: ServiceName, env: { PORT: number; METRICS_PORT?: number }): number {
  return env.METRICS_PORT ?? (env.PORT === 0 ? 0 : DEFAULT_METRICS_PORTS[service]);
}
