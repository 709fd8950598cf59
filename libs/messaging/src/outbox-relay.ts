import { setTimeout as sleep } from 'node:timers/promises';
import type { Model } from 'mongoose';
import type { Producer, TopicMessages } from 'kafkajs';
import { eventTopicName, type EventCatalogue } from '@aap/contracts';
import { captureTraceContext, restoreTraceContext, trace, SpanKind, type Logger } from '@aap/observability';
import { toKafkaMessage } from './cloudevents';
import { crashPoint } from './crash-points';
import { onOutboxWrite, type PendingEvent } from './outbox';
import { documentKey, lockDocument } from './document-locks';

interface OutboxDocument {
  _id: unknown;
  outbox?: Record<string, PendingEvent>;
}

export interface OutboxRelayOptions {
  producer: Producer;
  catalogue: EventCatalogue;
  topicPrefix: string;
  logger: Logger;
  pollMs: number;
  batchSize?: number;
}

/**
 * Publishes the outbox entries of tracked collections, at least once: send (idempotent producer,
 * acks=all), then remove the sent entries. A crash between the two re-sends them on restart; the
 * consumers' deduplication on the event id makes that harmless.
 */
export class OutboxRelay {
  private readonly models: Model<any>[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;
  private readonly tracer = trace.getTracer('@aap/messaging');

  constructor(private readonly options: OutboxRelayOptions) {}

  track(model: Model<any>): void {
    this.models.push(model);
    onOutboxWrite(model.db, () => this.nudge());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Asks for a relay cycle now instead of at the next poll (called after outbox writes). */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Stops after the cycle in progress, so no publish is cut in half by a graceful shutdown. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      let published = 0;
      try {
        published = await this.relayOnce();
      } catch (error) {
        this.options.logger.error({ err: error }, 'outbox relay cycle failed; retrying at next poll');
      }
      if (published === 0 && !this.nudged && this.running) await this.idle();
    }
  }

  private async idle(): Promise<void> {
    const ac = new AbortController();
    await Promise.race([
      sleep(this.options.pollMs, undefined, { signal: ac.signal }).catch(() => undefined),
      new Promise<void>((resolve) => (this.wake = resolve)),
    ]);
    ac.abort();
    this.wake = undefined;
  }

  /** One pass over every tracked collection; returns how many events were published. */
  async relayOnce(): Promise<number> {
    let published = 0;
    for (const model of this.models) {
      const docs = (await model.collection
        .find({ outboxPending: { $gt: 0 } }, { projection: { outbox: 1 } })
        .limit(this.options.batchSize ?? 100)
        .toArray()) as OutboxDocument[];
      const pending = docs.filter((doc) => doc.outbox && Object.keys(doc.outbox).length > 0);
      if (pending.length === 0) continue;

      const entries = pending.map((doc) => ({ doc, events: Object.values(doc.outbox!).sort((a, b) => a.seq - b.seq) }));
      await this.publish(entries.flatMap((entry) => entry.events));
      crashPoint('outbox.after-publish');
      for (const { doc, events } of entries) await this.markSent(model, doc._id, events);
      published += entries.reduce((sum, entry) => sum + entry.events.length, 0);
    }
    return published;
  }

  private async publish(events: PendingEvent[]): Promise<void> {
    const byTopic = new Map<string, TopicMessages>();
    const spans = events.map((event) => {
      const definition = this.options.catalogue.get(event.envelope.type);
      if (!definition) throw new Error(`outbox holds ${event.envelope.type}, which is not in the catalogue`);
      const topic = eventTopicName(this.options.topicPrefix, definition.topic);
      // The producer span is a child of the request or message that recorded the event.
      const span = this.tracer.startSpan(
        `${topic} publish`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'send',
            'messaging.destination.name': topic,
            'messaging.message.id': event.envelope.id,
            'messaging.kafka.message.key': event.envelope.subject,
            'cloudevents.event_type': event.envelope.type,
          },
        },
        restoreTraceContext(event.trace),
      );
      const headers = captureTraceContext(trace.setSpan(restoreTraceContext(event.trace), span));
      const batch = byTopic.get(topic) ?? { topic, messages: [] };
      batch.messages.push(toKafkaMessage(event.envelope, headers));
      byTopic.set(topic, batch);
      return span;
    });
    crashPoint('outbox.before-publish');
    try {
      await this.options.producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
    } finally {
      for (const span of spans) span.end();
    }
  }

  private async markSent(model: Model<any>, id: unknown, events: PendingEvent[]): Promise<void> {
    const ids = events.map((event) => event.envelope.id);
    // Guarded on every entry still being there, so two relays never decrement the counter twice.
    const guard = Object.fromEntries(ids.map((eventId) => [`outbox.${eventId}`, { $exists: true }]));
    // The same per-document lock as the aggregate's own writes (see document-locks.ts).
    const release = await lockDocument(documentKey(model.db.name, model.collection.collectionName, id));
    try {
      await model.collection.updateOne(
        { _id: id, ...guard } as never,
        { $unset: Object.fromEntries(ids.map((eventId) => [`outbox.${eventId}`, ''])), $inc: { outboxPending: -ids.length } } as never,
      );
    } finally {
      release();
    }
  }
}
