import { z } from 'zod';
import type { EventCatalogue } from './catalogue';
import { eventTopicName } from './topics';

/**
 * AsyncAPI 3.0 document of every topic and message in the catalogue, generated from the same zod
 * schemas that validate the events at run time (so the document cannot drift from the code).
 */
export function buildAsyncApiDocument(catalogue: EventCatalogue, options: { prefix?: string; version?: string } = {}) {
  const prefix = options.prefix ?? 'aap';
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};

  for (const topic of catalogue.topics()) {
    const channelId = `${topic.producer}.${topic.aggregate}`;
    const definitions = catalogue.all().filter((d) => d.topic.producer === topic.producer && d.topic.aggregate === topic.aggregate);
    channels[channelId] = {
      address: eventTopicName(prefix, topic),
      description: `Events of the ${topic.aggregate} aggregate published by the ${topic.producer} service. Key: the ${topic.aggregate} id.`,
      messages: Object.fromEntries(definitions.map((d) => [d.type, { $ref: `#/components/messages/${d.type}` }])),
    };
    operations[`publish.${channelId}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${channelId}` },
      summary: `${topic.producer} publishes ${topic.aggregate} events (outbox relay, idempotent producer).`,
    };
    for (const d of definitions) {
      messages[d.type] = {
        name: d.type,
        title: d.name,
        summary: d.description,
        contentType: 'application/json',
        headers: { $ref: '#/components/schemas/CloudEventsKafkaHeaders' },
        payload: z.toJSONSchema(d.schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }),
        bindings: { kafka: { key: { type: 'string', description: `${topic.aggregate} id` }, bindingVersion: '0.5.0' } },
      };
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'AAP platform events',
      version: options.version ?? '1.0.0',
      description:
        'Events exchanged by the submission, evaluation, funding-award and notification services. ' +
        'CloudEvents 1.0 in Kafka binary mode: ce_* headers, JSON data as the value, key = aggregate id.',
    },
    defaultContentType: 'application/json',
    servers: { local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'single-node KRaft broker of npm run infra' } },
    channels,
    operations,
    components: {
      messages,
      schemas: {
        CloudEventsKafkaHeaders: {
          type: 'object',
          required: ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_subject', 'content-type', 'ce_correlationid'],
          properties: {
            ce_specversion: { type: 'string', const: '1.0' },
            ce_id: { type: 'string', description: 'unique event id (consumers deduplicate on it)' },
            ce_type: { type: 'string', description: 'versioned event type, e.g. probe.launched.v1' },
            ce_source: { type: 'string', description: 'producing service, e.g. /aap/submission' },
            ce_time: { type: 'string', format: 'date-time' },
            ce_subject: { type: 'string', description: 'aggregate id, also the message key' },
            'content-type': { type: 'string', const: 'application/json' },
            ce_correlationid: { type: 'string', description: 'id shared by all events of one business flow' },
            ce_causationid: { type: 'string', description: 'id of the event that caused this one (absent when a request started the flow)' },
            traceparent: { type: 'string', description: 'W3C trace context of the producing span' },
            tracestate: { type: 'string' },
          },
        },
      },
    },
  };
}
