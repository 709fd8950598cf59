import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerGroupId, EvaluationReviewersAssigned, eventTopicName, type ServiceName } from '@aap/contracts';
import { authHeaders, startServiceProcess, useTestEnvironment, waitFor, type ServiceProcess } from '@aap/test-harness';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments and metadata left out). */
function samples(exposition: string): Sample[] {
  return exposition
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = '', value] = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line)!;
      return { name: name!, labels: Object.fromEntries([...labels.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]])), value: Number(value) };
    });
}

const find = (all: Sample[], name: string, labels: Record<string, string> = {}) =>
  all.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));

const env = useTestEnvironment();
const services: ServiceName[] = ['submission', 'notification'];

describe('metrics on the admin port of a service process, for Prometheus', () => {
  const processes = new Map<ServiceName, ServiceProcess>();
  const metricsUrlOf = (service: ServiceName) => /"metricsUrl":"(http:\/\/[^"]+)"/.exec(processes.get(service)!.output())![1]!;
  const scrape = async (service: ServiceName) => {
    const response = await fetch(metricsUrlOf(service));
    expect(response.status).toBe(200);
    return samples(await response.text());
  };

  beforeAll(async () => {
    // Neither PORT nor METRICS_PORT is fixed (the harness gives PORT=0): both ports are chosen by the OS.
    const started = await Promise.allSettled(services.map((service) => startServiceProcess(service, env.envFor(service))));
    services.forEach((service, index) => {
      const outcome = started[index]!;
      if (outcome.status === 'fulfilled') processes.set(service, outcome.value);
    });
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  });

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop()));
  });

  it('given a request and a dead letter, when /metrics is scraped, then the latency histogram has the route template, and consumer lag, outbox backlog and age, dead letters and webhook failures are there', async () => {
    const submission = processes.get('submission')!;
    const metricsUrl = new URL(metricsUrlOf('submission'));
    expect(metricsUrl.hostname).toBe('127.0.0.1'); // the service's host
    expect(metricsUrl.port).not.toBe(new URL(submission.url).port);

    const answer = await fetch(`${submission.url}/calls/no-such-call`, { headers: await authHeaders({ roles: ['admin'] }) });
    expect(answer.status).toBe(404);
    // Not on the public port.
    expect((await fetch(`${submission.url}/metrics`, { headers: await authHeaders({ roles: ['admin'] }) })).status).toBe(404);

    // A message that is no event, on a topic submission consumes: dead-lettered.
    const topic = eventTopicName(env.prefix, EvaluationReviewersAssigned.topic);
    const producer = env.kafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'not-an-event', value: 'not a CloudEvent' }] });
    await producer.disconnect();

    const route = { http_route: '/calls/:callId', http_request_method: 'GET', http_response_status_class: '4xx' };
    const deadLetter = { messaging_destination_name: topic, aap_dead_letter_reason: 'malformed-envelope' };
    const metrics = await waitFor(
      async () => {
        const all = await scrape('submission');
        return find(all, 'aap_dead_letters_published_total', deadLetter).length > 0 && find(all, 'http_server_request_duration_count', route).length > 0 && all;
      },
      { deadlineMs: 30_000, what: 'the request and the dead letter in the metrics of submission' },
    );

    expect(find(metrics, 'http_server_request_duration_count', route).map((s) => s.value)).toEqual([1]);
    const buckets = find(metrics, 'http_server_request_duration_bucket', route);
    expect(buckets.map((s) => s.labels.le)).toContain('+Inf');
    expect(buckets.find((s) => s.labels.le === '+Inf')!.value).toBe(1);
    expect(find(metrics, 'http_server_request_duration_sum', route)[0]!.value).toBeGreaterThan(0);
    // Paths are never labels: the unknown call's id is nowhere.
    expect(metrics.some((s) => Object.values(s.labels).some((value) => value.includes('no-such-call')))).toBe(false);

    expect(find(metrics, 'aap_dead_letters_published_total', deadLetter).map((s) => s.value)).toEqual([1]);
    const lag = find(metrics, 'messaging_kafka_consumer_lag', { messaging_consumer_group_name: consumerGroupId(env.prefix, 'submission'), messaging_destination_name: topic });
    expect(lag.map((s) => s.labels.messaging_destination_partition_id).sort()).toEqual(['0', '1']); // KAFKA_TOPIC_PARTITIONS=2 in tests
    for (const collection of ['calls', 'dossiers', 'organisations']) {
      expect(find(metrics, 'aap_outbox_backlog', { db_collection_name: collection }), collection).toHaveLength(1);
      expect(find(metrics, 'aap_outbox_oldest_event_age', { db_collection_name: collection }), collection).toHaveLength(1);
    }

    const notification = await scrape('notification');
    expect(find(notification, 'aap_webhook_delivery_failures_total').map((s) => s.value)).toEqual([0]);
    expect(find(notification, 'messaging_kafka_consumer_lag', { messaging_consumer_group_name: consumerGroupId(env.prefix, 'notification') }).length).toBeGreaterThan(0);
  });
});
