import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from './load-config';
import { serviceEnvSchema } from './service-env';
import { shiftedBy } from './clock-env';

const load = (env: Record<string, string>) => loadConfig('funding-award', serviceEnvSchema('funding-award'), env);
const problemsOf = (env: Record<string, string>) => {
  try {
    load(env);
    return [];
  } catch (error) {
    return (error as ConfigurationError).problems;
  }
};

describe('AAP_CLOCK_OFFSET', () => {
  it('given nothing, then the services run on the real time (no offset)', () => {
    expect(load({}).AAP_CLOCK_OFFSET).toBeUndefined();
  });

  it('given an ISO-8601 duration or a number of days, then it is read as calendar parts', () => {
    expect(load({ AAP_CLOCK_OFFSET: 'P2Y1M3DT4H30M' }).AAP_CLOCK_OFFSET).toEqual({ years: 2, months: 1, days: 3, milliseconds: 16_200_000 });
    expect(load({ AAP_CLOCK_OFFSET: 'P2W' }).AAP_CLOCK_OFFSET).toEqual({ years: 0, months: 0, days: 14, milliseconds: 0 });
    expect(load({ AAP_CLOCK_OFFSET: '-P30D' }).AAP_CLOCK_OFFSET).toEqual({ years: -0, months: -0, days: -30, milliseconds: -0 });
    expect(load({ AAP_CLOCK_OFFSET: '731' }).AAP_CLOCK_OFFSET).toEqual({ years: 0, months: 0, days: 731, milliseconds: 0 });
  });

  it('given something else, then start-up names the variable', () => {
    for (const value of ['2 years', 'P', 'PT', 'P1.5D']) expect(problemsOf({ AAP_CLOCK_OFFSET: value })).toEqual([expect.stringMatching(/^AAP_CLOCK_OFFSET: an ISO-8601 duration/)]);
  });

  // Production as it must otherwise be (TLS and its principal to the broker), so the offset is the one problem.
  const PRODUCTION = { NODE_ENV: 'production', AUTH_JWKS_URL: 'https://idp.example/jwks', KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'submission', KAFKA_SASL_PASSWORD: 'p' };

  it('given production, then an offset is refused with a clear start-up error', () => {
    expect(problemsOf({ ...PRODUCTION, AAP_CLOCK_OFFSET: 'P2Y' })).toEqual([
      expect.stringMatching(/^AAP_CLOCK_OFFSET: production runs on the real time: unset AAP_CLOCK_OFFSET/),
    ]);
  });

  it('given an offset, then an instant moves by years and months on the calendar, then by days and time', () => {
    const offset = load({ AAP_CLOCK_OFFSET: 'P2Y1DT1H' }).AAP_CLOCK_OFFSET!;
    expect(shiftedBy(new Date('2026-11-20T09:00:00Z'), offset).toISOString()).toBe('2028-11-21T10:00:00.000Z');
    expect(shiftedBy(new Date('2026-11-20T09:00:00Z'), load({ AAP_CLOCK_OFFSET: '-3' }).AAP_CLOCK_OFFSET!).toISOString()).toBe('2026-11-17T09:00:00.000Z');
  });
});
