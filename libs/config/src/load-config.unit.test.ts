import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commaList, ConfigurationError, loadConfig, port } from './load-config';

/** Runs `work`, expecting a ConfigurationError, and returns it. */
function configurationErrorOf(work: () => unknown): ConfigurationError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
}

describe('loadConfig', () => {
  const schema = z.object({
    NAME: z.string().min(3),
    COUNT: z.coerce.number().int().default(1),
  });

  it('given a satisfying environment, when loading, then returns the parsed values with defaults applied', () => {
    expect(loadConfig('demo', schema, { NAME: 'alice' })).toEqual({ NAME: 'alice', COUNT: 1 });
  });

  it('given a satisfying environment, when loading, then coerces and ignores unrelated variables', () => {
    expect(loadConfig('demo', schema, { NAME: 'alice', COUNT: '7', UNRELATED: 'x' })).toEqual({ NAME: 'alice', COUNT: 7 });
  });

  it('given no explicit environment, when loading, then reads process.env', () => {
    const previous = process.env.NAME;
    process.env.NAME = 'from-process-env';
    try {
      expect(loadConfig('demo', schema).NAME).toBe('from-process-env');
    } finally {
      if (previous === undefined) delete process.env.NAME;
      else process.env.NAME = previous;
    }
  });

  it('given two failing variables, when loading, then one ConfigurationError names the service and both variables', () => {
    const error = configurationErrorOf(() => loadConfig('demo', schema, { NAME: 'al', COUNT: 'many' }));

    expect(error.name).toBe('ConfigurationError');
    expect(error.service).toBe('demo');
    expect(error.problems).toHaveLength(2);
    expect(error.problems[0]).toMatch(/^NAME: .* \(got "al"\)$/);
    expect(error.problems[1]).toMatch(/^COUNT: .* \(got "many"\)$/);
    expect(error.message).toBe(`Invalid configuration for demo:\n  - ${error.problems[0]}\n  - ${error.problems[1]}`);
  });

  it('given a missing required variable, when loading, then the problem says it is not set', () => {
    const error = configurationErrorOf(() => loadConfig('demo', schema, {}));

    expect(error.problems).toEqual([expect.stringMatching(/^NAME: .* \(not set\)$/)]);
  });
});

describe('commaList', () => {
  it('given a comma-separated list with blanks and empty items, when parsing, then returns the trimmed non-empty items', () => {
    expect(commaList.parse(' a:1 , b:2,,c:3 ,')).toEqual(['a:1', 'b:2', 'c:3']);
  });

  it('given a single item, when parsing, then returns a one-item list', () => {
    expect(commaList.parse('broker:9092')).toEqual(['broker:9092']);
  });

  it.each(['', ' ', ' , ,'])('given %j (no item at all), when parsing, then fails with "must name at least one item"', (value) => {
    const result = commaList.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(['must name at least one item']);
  });
});

describe('port', () => {
  it.each([
    ['0', 0],
    ['3001', 3001],
    ['65535', 65535],
  ])('given %j, when parsing, then returns %i', (value, expected) => {
    expect(port.parse(value)).toBe(expected);
  });

  it.each(['abc', '-1', '65536', '80.5'])('given %j, when parsing, then fails', (value) => {
    expect(port.safeParse(value).success).toBe(false);
  });
});
