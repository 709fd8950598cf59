import mongoose, { type Connection } from 'mongoose';
import { buildAsyncApiDocument, catalogue, type ServiceName } from '@aap/contracts';
import { clockOf, kafkaSecurityOf, type ServiceEnv } from '@aap/config';
import { createHttpServer, databaseDeadlinePlugin, partBehindDatabase, resolveAuthOptions, type HttpServer, type ReadinessCheck } from '@aap/http';
import {
  assertConsumesDeclared, createIdempotentProducer, createKafka, ensureTopics, EventConsumer, giveBackLingeringLeases, OutboxRelay, serviceTopics, warnUnderPartitioned, withDeclaredPartitions, type Admin, type Producer,
} from '@aap/messaging';
import { createLogger, flushTelemetry, type Logger } from '@aap/observability';
import { Scheduler } from './scheduler';
import { aggregateKit, type AggregateKit } from './aggregate';
import { HttpDrain } from './http-drain';
import { registerOutboxRejectedRoute } from './outbox-rejected.routes';
import { recordHttpMetrics, startServiceMetrics } from './metrics';

/**
 * What a service module receives to register its routes, aggregates and event handlers; aggregates
 * are declared with `context.aggregate(...)` and their events built with `context.event(...)`.
 */
export interface ServiceContext extends AggregateKit {
  service: ServiceName;
  config: ServiceEnv;
  logger: Logger;
  /** The service's own database (no collection is shared with another service). */
  db: Connection;
  http: HttpServer;
  /**
   * The service's time: routes, handlers and jobs read it instead of `new Date()`, so that tests (the
   * start options) and demos (`AAP_CLOCK_OFFSET`) move it. The real time by default.
   */
  clock(): Date;
  /** Register handlers of consumed events: `consumer.on(Definition, handler)`. */
  consumer: EventConsumer;
  /**
   * Runs `job` every SCHEDULER_INTERVAL_MS once the service has started, never two runs at once,
   * until it stops; `now` is the service's `clock()`. Jobs must be safe when several instances run them (guarded updates).
   */
  schedule(name: string, job: (now: Date) => Promise<void>): void;
  /** Work a slice runs in the background (not a request, a message or a tick): `stop` ends it, at a graceful stop, with them. */
  onStop(name: string, stop: () => Promise<void>): void;
}

export interface ServiceModule {
  name: ServiceName;
  description: string;
  register(context: ServiceContext): void | Promise<void>;
}

export interface RunningService {
  name: ServiceName;
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:3001 */
  url: string;
  /** Prometheus endpoint on the admin port, e.g. http://127.0.0.1:9464/metrics (absent when telemetry was not started in the process). */
  metricsUrl?: string;
  http: HttpServer;
  db: Connection;
  config: ServiceEnv;
  /**
   * Graceful stop, in this order: readiness 503 and new requests refused; then, side by side, the
   * accepted requests finish (at most `httpDrainMs`), the scheduler's tick in progress and the
   * consumer's message in progress (finished and committed); then the outbox relay's last cycle
   * publishes what they wrote; then buffered spans are flushed, Kafka and the database closed.
   */
  stop(): Promise<void>;
}

export interface StartServiceOptions {
  logger?: Logger;
  /** How long a stop waits for accepted HTTP requests before cutting them (default 5 s). */
  httpDrainMs?: number;
  /** The service's clock (tests move it); the real time shifted by AAP_CLOCK_OFFSET otherwise. */
  clock?: () => Date;
}

/**
 * How long an operation waits for the database before failing. Short, so that a request meets a
 * database that went away with a 503 within 2 s instead of hanging; with buffering off, no
 * operation queues up waiting for a connection either.
 */
const DATABASE_OPERATION_TIMEOUT_MS = 1_500;
/** How long start-up keeps trying to reach the database (it may still be starting). */
const DATABASE_STARTUP_TIMEOUT_MS = 30_000;

async function connectDatabase(config: ServiceEnv, logger: Logger): Promise<Connection> {
  // Mongoose formats a stack trace for every query (kept for a "query was already executed" error);
  // with source maps on (tsx), that formatting alone was 2 % of a read's CPU.
  mongoose.set('skipOriginalStackTraces', true);
  const deadline = Date.now() + DATABASE_STARTUP_TIMEOUT_MS;
  for (;;) {
    const db = mongoose.createConnection(config.MONGODB_URI, {
      dbName: config.MONGODB_DB,
      maxPoolSize: config.MONGODB_MAX_POOL_SIZE,
      serverSelectionTimeoutMS: DATABASE_OPERATION_TIMEOUT_MS,
      bufferCommands: false,
    });
    try {
      return await db.asPromise();
    } catch (error) {
      await db.close().catch(() => undefined);
      if (Date.now() > deadline) throw error;
      logger.warn({ err: error }, 'database not reachable yet, retrying');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * Wires one service: database, Kafka topics, producer, outbox relay, consumer group and HTTP server,
 * and stops them in reverse order. Used by each app's main.ts and, in-process, by the tests.
 */
export async function startService(
  module: ServiceModule,
  config: ServiceEnv,
  options: StartServiceOptions = {},
): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: module.name, level: config.LOG_LEVEL });
  const clock = options.clock ?? clockOf(config.AAP_CLOCK_OFFSET);
  if (config.AAP_CLOCK_OFFSET) logger.warn({ offset: config.AAP_CLOCK_OFFSET, now: clock().toISOString() }, 'the clock runs shifted from the real time (AAP_CLOCK_OFFSET)');
  // Before connecting anything: a service that could not authenticate anyone safely does not start.
  const auth = resolveAuthOptions({
    developmentMode: config.AAP_DEV_MODE,
    host: config.HOST,
    jwtSecret: config.AUTH_JWT_SECRET,
    jwksUrl: config.AUTH_JWKS_URL,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    maxTokenLifetimeSeconds: config.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
  });
  const stopStep = async (step: string, stop: () => Promise<unknown>) => {
    const started = Date.now();
    try {
      await stop();
      logger.debug({ step, ms: Date.now() - started }, 'stopped');
    } catch (error) {
      logger.warn({ err: error, step }, 'error while stopping');
    }
  };
  const stack: Array<{ step: string; stop: () => Promise<unknown> }> = [];
  const stopAll = async () => {
    for (const { step, stop } of stack.reverse()) await stopStep(step, stop);
    stack.length = 0;
  };

  try {
    const db = await connectDatabase(config, logger);
    // The leases kept after the last writes are given back first: another instance need not wait for them.
    stack.push({ step: 'database', stop: () => giveBackLingeringLeases(db).then(() => db.close()) });

    const kafka = createKafka({ clientId: config.KAFKA_CLIENT_ID, brokers: config.KAFKA_BROKERS, logger, ...kafkaSecurityOf(config) });
    const admin: Admin = kafka.admin();
    stack.push({ step: 'kafka admin', stop: () => admin.disconnect() });
    await admin.connect();
    // Only the topics this service may touch: on a broker with ACLs it sees no other (libs/messaging/src/kafka-acls.ts).
    const topics = serviceTopics(config.KAFKA_TOPIC_PREFIX, module.name);
    const underPartitioned = await ensureTopics(admin, withDeclaredPartitions(config.KAFKA_TOPIC_PREFIX, [...topics.produces, ...topics.consumes]), {
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    });
    warnUnderPartitioned(logger, underPartitioned);

    const producer: Producer = createIdempotentProducer(kafka);
    stack.push({ step: 'kafka producer', stop: () => producer.disconnect() });
    await producer.connect();
    // Stopped after the relay's last cycle, before the connections close: the last spans still go out.
    stack.push({ step: 'spans', stop: () => flushTelemetry() });

    const relay = new OutboxRelay({
      createProducer: () => createIdempotentProducer(kafka),
      catalogue,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      logger,
      pollMs: config.OUTBOX_POLL_MS,
      maxMessageBytes: config.KAFKA_MAX_MESSAGE_BYTES,
    });
    const consumer = new EventConsumer({
      kafka,
      producer,
      service: module.name,
      catalogue,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      connection: db,
      logger,
      maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
      retryBaseMs: config.CONSUMER_RETRY_BASE_MS,
      inlineAttempts: config.CONSUMER_INLINE_ATTEMPTS,
      handlerTimeoutMs: config.CONSUMER_HANDLER_TIMEOUT_MS,
      retryMaxMs: config.CONSUMER_RETRY_MAX_MS,
      partitionsConcurrently: config.CONSUMER_PARTITIONS_CONCURRENTLY,
      maxMessageBytes: config.KAFKA_MAX_MESSAGE_BYTES,
    });

    const scheduler = new Scheduler(config.SCHEDULER_INTERVAL_MS, logger, clock);
    const background: Array<{ name: string; stop: () => Promise<void> }> = [];
    // The stop order is the reverse of these pushes (each stop is harmless on what never started):
    // HTTP, the scheduler and the consumer finish their work in progress (side by side: they do not
    // depend on one another), then the relay publishes what all of them wrote, then spans are
    // flushed and the connections closed.
    stack.push({
      step: 'outbox relay',
      stop: async () => {
        await relay.stop();
        await relay.relayOnce().finally(() => relay.close());
      },
    });

    // The database's health is asked on a connection of its own: on the service's pool, a ping would
    // queue behind the operations of a busy moment and take a slow database for one that is down.
    const health = await connectDatabase({ ...config, MONGODB_MAX_POOL_SIZE: 1 }, logger);
    stack.push({ step: 'database health connection', stop: () => health.close() });
    const databaseCheck: ReadinessCheck = { name: 'database', check: async () => void (await health.db!.admin().ping()), partOf: partBehindDatabase };
    const http = await createHttpServer({
      service: module.name,
      description: module.description,
      logger,
      readiness: [
        databaseCheck,
        { name: 'kafka', check: async () => void (await admin.describeCluster()) },
      ],
      auth,
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      admission: { maxInFlight: config.HTTP_MAX_IN_FLIGHT, maxEventLoopDelayMs: config.HTTP_MAX_EVENT_LOOP_DELAY_MS },
    });
    recordHttpMetrics(http);
    // Before any route: a request never waits on a database that hangs (503 within ≈ 1.6 s).
    if (config.HTTP_DATABASE_CHECK_AFTER_MS > 0) await http.register(databaseDeadlinePlugin, { database: databaseCheck, checkAfterMs: config.HTTP_DATABASE_CHECK_AFTER_MS });
    const drain = new HttpDrain(http);
    stack.push({
      step: 'work in progress',
      stop: () => {
        drain.startDraining(); // readiness 503 before anything else
        return Promise.all([
          stopStep('http', async () => {
            const cut = await drain.close(options.httpDrainMs ?? 5_000);
            if (cut > 0) logger.warn({ cut }, 'requests still running after the HTTP drain bound were cut');
          }),
          stopStep('scheduler', () => scheduler.stop()),
          stopStep('consumer', () => consumer.stop()),
          ...background.map(({ name, stop }) => stopStep(name, stop)),
        ]);
      },
    });
    http.get('/asyncapi.json', { schema: { hide: true }, config: { access: { public: true } } }, async () => buildAsyncApiDocument(catalogue, { prefix: config.KAFKA_TOPIC_PREFIX }));
    registerOutboxRejectedRoute(http, db);

    await module.register({
      service: module.name,
      config,
      logger,
      db,
      http,
      consumer,
      clock,
      ...aggregateKit(module.name, db, relay),
      schedule: (name, job) => scheduler.add(name, job),
      onStop: (name, stop) => void background.push({ name, stop }),
    });

    assertConsumesDeclared(config.KAFKA_TOPIC_PREFIX, module.name, consumer.topics());
    relay.start();
    await consumer.start();
    scheduler.start();

    const metrics = await startServiceMetrics({ service: module.name, topicPrefix: config.KAFKA_TOPIC_PREFIX, config, db, admin, consumer, logger });
    stack.push({ step: 'metrics', stop: () => metrics.stop() });

    const address = await http.listen({ host: config.HOST, port: config.PORT });
    const url = address.replace('[::1]', 'localhost');
    logger.info({ url, ...(metrics.url ? { metricsUrl: metrics.url } : {}) }, `${module.name} service listening`);
    return { name: module.name, url, metricsUrl: metrics.url, http, db, config, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
