import type { ServiceName } from '@aap/contracts';
import { DEFAULT_PORTS } from '@aap/config';

/** The port `npm start` gives a service: `<SERVICE>_PORT` (FUNDING_AWARD_PORT…), else its default. */
export function portOf(service: ServiceName): number {
  const variable = `${service.toUpperCase().replace('-', '_')}_PORT`;
  return Number(process.env[variable] ?? DEFAULT_PORTS[service]);
}
