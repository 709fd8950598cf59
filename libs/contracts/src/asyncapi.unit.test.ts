import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildAsyncApiDocument } from './asyncapi';
import { defineEvent, EventCatalogue } from './catalogue';
import { catalogue, ProbeLaunched } from './index';

type JsonSchema = {
  type?: string;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: string[];
  minLength?: number;
  maxLength?: number;
  minItems?: number;
};
type Message = { name: string; title: string; summary: string; contentType: string; headers: { $ref: string }; payload: JsonSchema };
type Channel = { address: string; messages: Record<string, { $ref: string }> };
type Operation = { action: string; channel: { $ref: string } };

/** The document, with the loosely typed parts narrowed for reading. */
function documentOf(events: EventCatalogue, options?: Parameters<typeof buildAsyncApiDocument>[1]) {
  const document = buildAsyncApiDocument(events, options);
  return {
    document,
    channels: document.channels as Record<string, Channel>,
    operations: document.operations as Record<string, Operation>,
    messages: document.components.messages as Record<string, Message>,
  };
}

describe('buildAsyncApiDocument on the platform catalogue', () => {
  const { document, channels, operations, messages } = documentOf(catalogue);

  it('given the catalogue, when building, then the document is AsyncAPI 3.0.0 with JSON as default content type', () => {
    expect(document.asyncapi).toBe('3.0.0');
    expect(document.info.title).toBe('AAP platform events');
    expect(document.info.version).toBe('1.0.0');
    expect(document.defaultContentType).toBe('application/json');
    expect(document.servers.local.protocol).toBe('kafka');
  });

  it('given the catalogue, when building, then there is one channel per logical topic, addressed aap.<producer>.<aggregate>', () => {
    const topics = catalogue.topics();
    expect(Object.keys(channels)).toHaveLength(topics.length);
    for (const topic of topics) {
      expect(channels[`${topic.producer}.${topic.aggregate}`]?.address).toBe(`aap.${topic.producer}.${topic.aggregate}`);
    }
    expect(channels['submission.probe']?.address).toBe('aap.submission.probe');
  });

  it('given the catalogue, when building, then there is one message per event type, referenced by the channel of its topic', () => {
    expect(Object.keys(messages).sort()).toEqual(catalogue.all().map((d) => d.type).sort());
    for (const definition of catalogue.all()) {
      const channel = channels[`${definition.topic.producer}.${definition.topic.aggregate}`];
      expect(channel?.messages[definition.type]).toEqual({ $ref: `#/components/messages/${definition.type}` });
      expect(messages[definition.type]).toMatchObject({
        name: definition.type,
        title: definition.name,
        summary: definition.description,
        contentType: 'application/json',
        headers: { $ref: '#/components/schemas/CloudEventsKafkaHeaders' },
      });
    }
  });

  it('given the catalogue, when building, then every message reference resolves to a message', () => {
    for (const channel of Object.values(channels)) {
      for (const { $ref } of Object.values(channel.messages)) {
        expect(messages[$ref.replace('#/components/messages/', '')]).toBeDefined();
      }
    }
  });

  it('given the catalogue, when building, then there is one send operation per channel, pointing to it', () => {
    expect(Object.keys(operations)).toHaveLength(Object.keys(channels).length);
    for (const channelId of Object.keys(channels)) {
      expect(operations[`publish.${channelId}`]).toMatchObject({ action: 'send', channel: { $ref: `#/channels/${channelId}` } });
    }
  });

  it('given the probe event, when building, then its payload is the JSON schema generated from the zod schema', () => {
    const payload = messages[ProbeLaunched.type]!.payload;

    expect(payload.type).toBe('object');
    expect(payload.required).toEqual(['probeId', 'label', 'hops']);
    expect(payload.properties?.probeId).toMatchObject({ type: 'string', format: 'uuid' });
    expect(payload.properties?.label).toMatchObject({ type: 'string', minLength: 1, maxLength: 200 });
    expect(payload.properties?.hops).toMatchObject({ type: 'array', minItems: 1 });
    expect(payload.properties?.hops?.items).toMatchObject({
      type: 'object',
      required: ['service', 'at'],
      properties: {
        service: { type: 'string', enum: ['submission', 'evaluation', 'funding-award', 'notification'] },
        at: { type: 'string', format: 'date-time' },
      },
    });
  });

  it('given the catalogue, when building, then the CloudEvents headers schema requires the ce_* attributes', () => {
    expect(document.components.schemas.CloudEventsKafkaHeaders.required).toEqual(
      expect.arrayContaining(['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_subject', 'content-type']),
    );
  });

  it('given the document, when serialised, then it is plain JSON (no functions or zod objects left)', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });
});

describe('buildAsyncApiDocument options and grouping', () => {
  const order = z.object({ orderId: z.string(), total: z.number().optional() });
  const define = (name: string, producer: 'submission' | 'evaluation', aggregate: string, version = 1) =>
    defineEvent({ name, version, producer, aggregate, schema: order, aggregateId: (d) => d.orderId, description: `${name} happened` });
  const events = new EventCatalogue([
    define('order.placed', 'submission', 'order'),
    define('order.cancelled', 'submission', 'order'),
    define('order.placed', 'submission', 'order', 2),
    define('order.scored', 'evaluation', 'order'),
  ]);

  it('given a prefix and a version, when building, then addresses use the prefix and info the version', () => {
    const { document, channels } = documentOf(events, { prefix: 'staging', version: '2.3.0' });

    expect(document.info.version).toBe('2.3.0');
    expect(channels['submission.order']?.address).toBe('staging.submission.order');
    expect(channels['evaluation.order']?.address).toBe('staging.evaluation.order');
  });

  it('given several events on one topic, when building, then they share one channel and keep one message each', () => {
    const { channels, operations, messages } = documentOf(events);

    expect(Object.keys(channels)).toEqual(['submission.order', 'evaluation.order']);
    expect(Object.keys(channels['submission.order']!.messages)).toEqual(['order.placed.v1', 'order.cancelled.v1', 'order.placed.v2']);
    expect(Object.keys(channels['evaluation.order']!.messages)).toEqual(['order.scored.v1']);
    expect(Object.keys(operations)).toEqual(['publish.submission.order', 'publish.evaluation.order']);
    expect(Object.keys(messages)).toHaveLength(4);
  });

  it('given an optional field, when building, then it is not required in the payload', () => {
    const { messages } = documentOf(events);
    expect(messages['order.placed.v1']!.payload.required).toEqual(['orderId']);
  });
});
