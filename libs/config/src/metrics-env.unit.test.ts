import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '@aap/contracts';
import { loadConfig } from './load-config';
import { DEFAULT_METRICS_PORTS, metricsPortOf } from './metrics-env';
import { DEFAULT_PORTS, serviceEnvSchema } from './service-env';

describe('the admin port of /metrics', () => {
  it('given the four services, then each has its own default, none an API port', () => {
    const ports = SERVICE_NAMES.map((service) => DEFAULT_METRICS_PORTS[service]);
    expect(new Set(ports).size).toBe(SERVICE_NAMES.length);
    expect(ports.filter((port) => Object.values(DEFAULT_PORTS).includes(port))).toEqual([]);
  });

  it.each([
    [{}, 9465],
    [{ PORT: '8080' }, 9465],
    [{ PORT: '0' }, 0],
    [{ PORT: '0', METRICS_PORT: '9100' }, 9100],
    [{ METRICS_PORT: '9100' }, 9100],
    [{ METRICS_PORT: '' }, 9465],
  ])('given %j for evaluation, when loading, then /metrics listens on %i', (env, expected) => {
    expect(metricsPortOf('evaluation', loadConfig('evaluation', serviceEnvSchema('evaluation'), env))).toBe(expected);
  });

  it('given a METRICS_PORT that is no port, when loading, then the start-up names it', () => {
    expect(() => loadConfig('evaluation', serviceEnvSchema('evaluation'), { METRICS_PORT: '70000' })).toThrow(/METRICS_PORT: .*\(got "70000"\)/);
  });
});
