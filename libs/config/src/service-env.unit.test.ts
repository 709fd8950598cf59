import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '@aap/contracts';
import { ConfigurationError, loadConfig } from './load-config';
import { DEFAULT_PORTS, serviceEnvSchema } from './service-env';

describe('serviceEnvSchema defaults', () => {
  it.each([
    ['submission', 3001, 'aap_submission'],
    ['evaluation', 3002, 'aap_evaluation'],
    ['funding-award', 3003, 'aap_funding_award'],
    ['notification', 3004, 'aap_notification'],
  ] as const)('given an empty environment, when loading %s, then port is %i and database is %s', (service, expectedPort, expectedDb) => {
    const config = loadConfig(service, serviceEnvSchema(service), {});

    expect(config.PORT).toBe(expectedPort);
    expect(config.MONGODB_DB).toBe(expectedDb);
    expect(config.KAFKA_CLIENT_ID).toBe(`aap-${service}`);
  });

  it('given an empty environment, when loading, then every shared setting has its local-infrastructure default', () => {
    expect(loadConfig('submission', serviceEnvSchema('submission'), {})).toEqual({
      HOST: '127.0.0.1',
      PORT: 3001,
      LOG_LEVEL: 'info',
      MONGODB_URI: 'mongodb://127.0.0.1:27017/',
      MONGODB_DB: 'aap_submission',
      MONGODB_MAX_POOL_SIZE: 100,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_CLIENT_ID: 'aap-submission',
      KAFKA_TOPIC_PREFIX: 'aap',
      KAFKA_TOPIC_PARTITIONS: 3,
      KAFKA_REPLICATION_FACTOR: -1,
      KAFKA_SSL: false,
      KAFKA_SSL_REJECT_UNAUTHORIZED: true,
      KAFKA_MAX_MESSAGE_BYTES: 1_000_000,
      CONSUMER_MAX_ATTEMPTS: 5,
      CONSUMER_RETRY_BASE_MS: 200,
      CONSUMER_INLINE_ATTEMPTS: 2,
      CONSUMER_HANDLER_TIMEOUT_MS: 5_000,
      CONSUMER_RETRY_MAX_MS: 60_000,
      CONSUMER_PARTITIONS_CONCURRENTLY: 3,
      OUTBOX_POLL_MS: 5_000,
      SCHEDULER_INTERVAL_MS: 5000,
      NODE_ENV: 'development',
      AAP_DEV_MODE: false,
      AUTH_MAX_TOKEN_LIFETIME_SECONDS: 43_200,
      RATE_LIMIT_PER_MINUTE: 1_200,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_MAX_IN_FLIGHT: 64,
      HTTP_MAX_EVENT_LOOP_DELAY_MS: 0,
      HTTP_DATABASE_CHECK_AFTER_MS: 600,
    });
  });

  it('given the service list, when reading DEFAULT_PORTS, then every service has a distinct port', () => {
    expect(Object.keys(DEFAULT_PORTS).sort()).toEqual([...SERVICE_NAMES].sort());
    expect(new Set(Object.values(DEFAULT_PORTS)).size).toBe(SERVICE_NAMES.length);
  });
});

describe('serviceEnvSchema overrides', () => {
  it('given overriding variables, when loading, then they are parsed and coerced', () => {
    const config = loadConfig('evaluation', serviceEnvSchema('evaluation'), {
      HOST: '0.0.0.0',
      PORT: '8080',
      LOG_LEVEL: 'debug',
      MONGODB_URI: 'mongodb+srv://cluster.example/',
      MONGODB_DB: 'eval-test_1',
      KAFKA_BROKERS: 'k1:9092, k2:9092 ,k3:9092',
      KAFKA_TOPIC_PREFIX: 'test-42',
      KAFKA_TOPIC_PARTITIONS: '6',
      KAFKA_REPLICATION_FACTOR: '3',
    });

    expect(config).toMatchObject({
      HOST: '0.0.0.0',
      PORT: 8080,
      LOG_LEVEL: 'debug',
      MONGODB_URI: 'mongodb+srv://cluster.example/',
      MONGODB_DB: 'eval-test_1',
      KAFKA_BROKERS: ['k1:9092', 'k2:9092', 'k3:9092'],
      KAFKA_TOPIC_PREFIX: 'test-42',
      KAFKA_TOPIC_PARTITIONS: 6,
      KAFKA_REPLICATION_FACTOR: 3,
    });
  });

  it('given PORT=0 (the test harness asks for any free port), when loading, then port 0 is accepted', () => {
    expect(loadConfig('submission', serviceEnvSchema('submission'), { PORT: '0' }).PORT).toBe(0);
  });
});

describe('serviceEnvSchema with an invalid environment', () => {
  const invalid = {
    PORT: 'abc',
    KAFKA_TOPIC_PREFIX: 'Bad Prefix',
    MONGODB_URI: 'http://x',
    MONGODB_DB: 'bad name!',
    LOG_LEVEL: 'loud',
    KAFKA_BROKERS: ' , ',
    KAFKA_TOPIC_PARTITIONS: '0',
    KAFKA_REPLICATION_FACTOR: '-2',
    CONSUMER_MAX_ATTEMPTS: '1.5',
  };

  function loadInvalid(): ConfigurationError {
    try {
      loadConfig('funding-award', serviceEnvSchema('funding-award'), invalid);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return error as ConfigurationError;
    }
    throw new Error('expected a ConfigurationError, nothing was thrown');
  }

  it('given nine invalid variables, when loading, then a single ConfigurationError lists every one of them with its value', () => {
    const error = loadInvalid();

    expect(error.service).toBe('funding-award');
    const byVariable = Object.fromEntries(error.problems.map((p) => [p.slice(0, p.indexOf(':')), p]));
    expect(Object.keys(byVariable).sort()).toEqual(Object.keys(invalid).sort());
    for (const [variable, value] of Object.entries(invalid)) {
      expect(byVariable[variable]).toContain(`(got "${value}")`);
      expect(error.message).toContain(byVariable[variable]);
    }
  });

  it('given the three variables of the brief, when loading, then the messages explain each rule', () => {
    const error = loadInvalid();

    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: .*number.* \(got "abc"\)$/),
        'KAFKA_TOPIC_PREFIX: lower-case letters, digits and - only (got "Bad Prefix")',
        'MONGODB_URI: must be a mongodb:// or mongodb+srv:// URI (got "http://x")',
        'KAFKA_BROKERS: must name at least one item (got " , ")',
        'MONGODB_DB: letters, digits, _ and - only (got "bad name!")',
      ]),
    );
  });

  it('given an upper-case topic prefix alone, when loading, then only that variable is reported', () => {
    expect(() => loadConfig('notification', serviceEnvSchema('notification'), { KAFKA_TOPIC_PREFIX: 'AAP' })).toThrow(
      /KAFKA_TOPIC_PREFIX: lower-case letters, digits and - only \(got "AAP"\)/,
    );
  });
});

describe('given an empty variable', () => {
  it('then it counts as not set and takes the default (not 0)', () => {
    const config = loadConfig('submission', serviceEnvSchema('submission'), { PORT: '', KAFKA_REPLICATION_FACTOR: '' });
    expect(config.PORT).toBe(3001);
    expect(config.KAFKA_REPLICATION_FACTOR).toBe(-1);
  });
});

describe('authentication settings', () => {
  it('given a JWT secret shorter than 32 bytes, when loading, then it is refused with the rule', () => {
    expect(() => loadConfig('submission', serviceEnvSchema('submission'), { AUTH_JWT_SECRET: 'é'.repeat(15) })).toThrow(
      /AUTH_JWT_SECRET: must be at least 32 bytes/,
    );
  });

  it('given AAP_DEV_MODE=true, when loading, then development mode is on; anything but true/false is refused', () => {
    expect(loadConfig('submission', serviceEnvSchema('submission'), { AAP_DEV_MODE: 'true' }).AAP_DEV_MODE).toBe(true);
    expect(() => loadConfig('submission', serviceEnvSchema('submission'), { AAP_DEV_MODE: 'yes' })).toThrow(/AAP_DEV_MODE/);
  });
});
