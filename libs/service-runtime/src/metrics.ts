import type { Connection } from 'mongoose';
import type { HttpServer } from '@aap/http';
import { consumerGroupId, type ServiceName } from '@aap/contracts';
import { metricsPortOf, type ServiceEnv } from '@aap/config';
import type { Admin, EventConsumer } from '@aap/messaging';
import { lazyInstrument, serveMetrics, type Attributes, type BatchObservableCallback, type Logger } from '@aap/observability';

const METER = '@aap/service-runtime';

/** OpenTelemetry's advice for `http.server.request.duration` (seconds). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Methods kept as they are; any other is `_OTHER` (semantic conventions): a client cannot make up label values. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const requestDuration = lazyInstrument(METER, (meter) =>
  meter.createHistogram('http.server.request.duration', {
    description: 'Duration of HTTP server requests, per route template, method and status class.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  }),
);

/**
 * Records each answered request in `http.server.request.duration` (its count is the request rate):
 * the route template (`/calls/:callId`, never the path: bounded cardinality; absent for an unknown
 * route), the method and the status class (`2xx`…).
 */
export function recordHttpMetrics(http: HttpServer): void {
  http.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    requestDuration().record(reply.elapsedTime / 1000, {
      'http.request.method': KNOWN_METHODS.has(request.method) ? request.method : '_OTHER',
      ...(route ? { 'http.route': route } : {}),
      'http.response.status_class': `${Math.floor(reply.statusCode / 100)}xx`,
    });
    done();
  });
}

/** A gauge's sources answer within this bound or are left out of the scrape (Kafka or the database down must not hang it). */
const OBSERVE_TIMEOUT_MS = 2_000;
/** Pending documents read per collection for the age of the oldest pending event. */
const OLDEST_SAMPLE = 100;

/** The gauges computed when `/metrics` is scraped, with the meter that observes them together. */
const gauges = lazyInstrument(METER, (meter) => ({
  meter,
  consumerLag: meter.createObservableGauge('messaging.kafka.consumer.lag', {
    description: "Messages of a partition not yet consumed by the service's consumer group: the partition's end offset minus the group's committed offset.",
    unit: '{message}',
  }),
  outboxBacklog: meter.createObservableGauge('aap.outbox.backlog', {
    description: 'Documents of a collection holding events not yet published to Kafka (the outbox relay publishes and removes them).',
    unit: '{document}',
  }),
  outboxOldestAge: meter.createObservableGauge('aap.outbox.oldest_event.age', {
    description: "Age of the oldest event waiting in a collection's outbox (0 when none waits), among the first pending documents read.",
    unit: 's',
  }),
}));

async function within<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${OBSERVE_TIMEOUT_MS} ms`)), OBSERVE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}

interface ObservedService {
  service: ServiceName;
  topicPrefix: string;
  db: Connection;
  admin: Admin;
  consumer: EventConsumer;
  logger: Logger;
}

/** The lag of the service's consumer group on each partition of each topic it consumes. */
async function observeLag(target: ObservedService, observe: (lag: number, attributes: Attributes) => void): Promise<void> {
  const topics = target.consumer.topics();
  if (topics.length === 0) return;
  const groupId = consumerGroupId(target.topicPrefix, target.service);
  const [committed, ends] = await within(
    Promise.all([target.admin.fetchOffsets({ groupId, topics }), Promise.all(topics.map((topic) => target.admin.fetchTopicOffsets(topic)))]),
  );
  topics.forEach((topic, index) => {
    const committedOf = new Map((committed.find((entry) => entry.topic === topic)?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    for (const { partition, high, low } of ends[index]!) {
      // No commit yet (-1): the group reads from the beginning, i.e. from the partition's low watermark.
      const done = committedOf.get(partition) ?? -1n;
      const lag = BigInt(high) - (done < 0n ? BigInt(low) : done);
      observe(Number(lag > 0n ? lag : 0n), {
        'messaging.consumer.group.name': groupId,
        'messaging.destination.name': topic,
        'messaging.destination.partition.id': String(partition),
      });
    }
  });
}

/**
 * Per collection carrying an outbox: the pending documents (an equality on the indexed flag, cheap on
 * FerretDB) and the age of the oldest event among the first OLDEST_SAMPLE of them (read only when
 * some are pending; at rest nothing is).
 */
async function observeOutbox(target: ObservedService, observe: (collection: string, backlog: number, oldestAgeSeconds: number) => void): Promise<void> {
  const outboxModels = Object.values(target.db.models).filter((model) => model.schema.path('outboxPending'));
  const collections = new Map(outboxModels.map((model) => [model.collection.collectionName, model.collection]));
  await within(
    Promise.all(
      [...collections.values()].map(async (collection) => {
        const backlog = await collection.countDocuments({ outboxPending: true });
        let oldest = Infinity;
        if (backlog > 0) {
          const pending = await collection.find({ outboxPending: true }, { projection: { outbox: 1 } }).limit(OLDEST_SAMPLE).toArray();
          for (const doc of pending) {
            for (const event of Object.values((doc.outbox ?? {}) as Record<string, { envelope?: { time?: string } }>)) {
              oldest = Math.min(oldest, Date.parse(event.envelope?.time ?? '') || Infinity);
            }
          }
        }
        observe(collection.collectionName, backlog, Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0);
      }),
    ),
  );
}

/**
 * Registers the service's gauges (consumer lag, outbox backlog and age), computed when `/metrics` is
 * scraped, and serves `/metrics` on the admin port (METRICS_PORT, else the service's default, on the
 * service's host). A source that
 * fails or does not answer in time is left out of that scrape and logged; the others are still shown.
 */
export async function startServiceMetrics(
  target: ObservedService & { config: Pick<ServiceEnv, 'HOST' | 'PORT' | 'METRICS_PORT'> },
): Promise<{ url?: string; stop(): Promise<void> }> {
  // A default port may be taken on a developer's machine (another instance, a test): then any free port.
  const endpoint = await serveMetrics({ host: target.config.HOST, port: metricsPortOf(target.service, target.config), orFreePort: target.config.METRICS_PORT === undefined });
  if (!endpoint) return { stop: async () => undefined };
  if (endpoint.movedFrom !== undefined) {
    target.logger.warn({ port: endpoint.movedFrom, metricsUrl: endpoint.url }, 'the default metrics port is taken: /metrics is served on a free port instead (METRICS_PORT chooses one)');
  }
  const logged = (what: string) => (error: unknown) => target.logger.warn({ err: error }, `${what} left out of the metrics scrape`);
  const { meter, consumerLag, outboxBacklog, outboxOldestAge } = gauges();
  const observed = [consumerLag, outboxBacklog, outboxOldestAge];
  const observeAll: BatchObservableCallback = async (result) => {
    await Promise.all([
      observeLag(target, (lag, attributes) => result.observe(consumerLag, lag, attributes)).catch(logged('consumer lag')),
      observeOutbox(target, (collection, backlog, age) => {
        result.observe(outboxBacklog, backlog, { 'db.collection.name': collection });
        result.observe(outboxOldestAge, age, { 'db.collection.name': collection });
      }).catch(logged('outbox backlog')),
    ]);
  };
  meter.addBatchObservableCallback(observeAll, observed);
  return {
    url: endpoint.url,
    async stop() {
      meter.removeBatchObservableCallback(observeAll, observed);
      await endpoint.close();
    },
  };
}
