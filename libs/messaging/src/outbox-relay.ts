import { setTimeout as sleep } from 'node:timers/promises';
import type { Model } from 'mongoose';
import type { Message, Producer, TopicMessages } from 'kafkajs';
import { eventTopicName, type EventCatalogue } from '@aap/contracts';
import type { Span } from '@opentelemetry/api';
import { captureTraceContext, restoreTraceContext, trace, SpanKind, SpanStatusCode, type Logger } from '@aap/observability';
import { toKafkaMessage } from './cloudevents';
import { isDuplicateKey } from './duplicate-key';
import { crashPoint } from './crash-points';
import { onOutboxWrite, type PendingEvent } from './outbox';
import { outboxRejectedModel, rejectedEntry, type OutboxRejectionReason } from './outbox-rejected';
import { messageBytes, messageRejectionOf, RECORD_REFUSALS } from './message-size';
import { withDocumentLock } from './document-locks';

interface OutboxDocument {
  _id: unknown;
  outbox?: Record<string, PendingEvent>;
  outboxWrites?: number;
}

/** What the relay reads of a document. */
const OUTBOX_PROJECTION = { projection: { outbox: 1, outboxWrites: 1 } };

export interface OutboxRelayOptions {
  /** Makes the relay's own idempotent producer (it replaces it after a failed request, see `produce`). */
  createProducer: () => Producer;
  catalogue: EventCatalogue;
  topicPrefix: string;
  logger: Logger;
  /** The safety-net sweep's period: writes wake the relay at once, the sweep catches what they missed. */
  pollMs: number;
  batchSize?: number;
  /** Largest message sent (KAFKA_MAX_MESSAGE_BYTES, default 1 000 000): a larger entry is set aside. */
  maxMessageBytes?: number;
}

/** One entry ready to send: its Kafka message, its size and its producer span. */
interface Outgoing {
  event: PendingEvent;
  topic: string;
  message: Message;
  bytes: number;
  span: Span;
}

/** A document's sendable entries, in publication order. */
interface Batch {
  doc: OutboxDocument;
  outgoing: Outgoing[];
}

/** Hints kept at most; beyond, the next sweep finds the documents instead. */
const MAX_HINTS = 10_000;
const MIGRATIONS = 'outbox_migrations';

/**
 * Publishes the outbox entries of tracked collections, at least once: send (idempotent producer,
 * acks=all), then remove the sent entries. A crash between the two re-sends them on restart; the
 * consumers' deduplication on the event id makes that harmless.
 *
 * A write that adds events tells the relay its document id, which is fetched by `_id` at once; a
 * sweep `{outboxPending: true}` every `pollMs` is the safety net (other processes' writes, failures).
 * The writes named while a cycle runs are the next cycle's batch, started as soon as the broker
 * acknowledged this one's: removing the sent entries goes on in the background (a document is read
 * again only once its removal is done, so nothing is sent twice for that).
 * An entry that can never be published (unknown type, too large, refused by the broker for itself)
 * is moved to `outbox_rejected` and the others go on; a broker that is down sets nothing aside.
 */
export class OutboxRelay {
  private readonly models = new Map<string, Model<any>>();
  private readonly hints = new Map<string, { model: Model<any>; id: unknown }>();
  /** Sent entries being removed from their documents, by `collection/id`: the next cycle does not wait for them. */
  private readonly removals = new Map<string, Promise<void>>();
  private sweepRequested = false;
  private migrated = false;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;
  private producer: Producer | undefined;
  private readonly tracer = trace.getTracer('@aap/messaging');

  constructor(private readonly options: OutboxRelayOptions) {}

  track(model: Model<any>): void {
    this.models.set(model.collection.collectionName, model);
    onOutboxWrite(model.db, (collection, id) => this.hint(collection, id));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Asks for a relay cycle now instead of at the next poll. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** A document of `collection` was written with pending events (`id` undefined: unknown, sweep). */
  private hint(collection: string, id: unknown): void {
    const model = this.models.get(collection);
    if (!model) return;
    if (id === undefined || this.hints.size >= MAX_HINTS) this.sweepRequested = true;
    else this.hints.set(`${collection}/${String(id)}`, { model, id });
    this.nudge();
  }

  /** Stops after the cycle in progress, so no publish is cut in half by a graceful shutdown. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.removed();
  }

  /** Disconnects the relay's producer (after `stop` and the last `relayOnce`). */
  async close(): Promise<void> {
    await this.dropProducer();
  }

  private async run(): Promise<void> {
    let sweep = true; // the first cycle sweeps: what was pending before this process started
    while (this.running) {
      this.nudged = false;
      try {
        await this.migrateOnce();
        await this.relayHinted();
        if (sweep || this.sweepRequested) {
          this.sweepRequested = false;
          sweep = (await this.sweep()).full; // a full batch: more may be waiting
        }
      } catch (error) {
        this.options.logger.error({ err: error }, 'outbox relay cycle failed; retrying at next poll');
        // Not woken by writes while failing (the broker or database is likely down): wait a poll, then sweep.
        await this.idle(false);
        sweep = true;
        continue;
      }
      if (!sweep && !this.nudged && this.running) sweep = await this.idle(true);
    }
  }

  /** Waits for the poll period (then answers true: time to sweep) or, when `wakeable`, a write. */
  private async idle(wakeable: boolean): Promise<boolean> {
    if (!this.running) return false;
    const ac = new AbortController();
    let polled = false;
    await Promise.race([
      sleep(this.options.pollMs, undefined, { signal: ac.signal }).then(() => (polled = true), () => undefined),
      new Promise<void>((resolve) => (this.wake = wakeable ? resolve : () => void (this.running || resolve()))),
    ]);
    ac.abort();
    this.wake = undefined;
    return polled;
  }

  /** One pass: the documents written since the last cycle, then a sweep; returns how many events were published. */
  async relayOnce(): Promise<number> {
    await this.migrateOnce();
    const published = (await this.relayHinted()) + (await this.sweep()).published;
    await this.removed();
    return published;
  }

  /** Waits for the removals in progress (of the documents named, or of all). */
  private async removed(keys?: string[]): Promise<void> {
    await Promise.all((keys ?? [...this.removals.keys()]).map((key) => this.removals.get(key)));
  }

  /** Removes a sent batch's entries without holding the relay: the document's next read waits for it. */
  private removeInBackground(model: Model<any>, collection: string, batch: Batch): void {
    const key = `${collection}/${String(batch.doc._id)}`;
    const removal: Promise<void> = (this.removals.get(key) ?? Promise.resolve())
      .then(() => this.removeEntries(model, batch.doc._id, batch.outgoing, wholeOutbox(batch)))
      .catch((error: unknown) => {
        // Still flagged: the next sweep sends them again (a duplicate the consumers skip).
        this.options.logger.error({ err: error, collection, aggregateId: String(batch.doc._id) }, 'removing sent outbox entries failed; the next sweep re-sends them');
        this.sweepRequested = true;
      })
      .finally(() => {
        if (this.removals.get(key) === removal) this.removals.delete(key);
      });
    this.removals.set(key, removal);
  }

  /**
   * Documents written by an older version carry a numeric counter, not the flag: raised to `true`
   * once per collection (one update, then a marker in `outbox_migrations` so later starts skip it).
   */
  private async migrateOnce(): Promise<void> {
    if (this.migrated) return;
    for (const [collection, model] of this.models) {
      const markers = model.db.collection(MIGRATIONS);
      const marker = `outboxPending-flag/${collection}`;
      if (await markers.findOne({ _id: marker as never })) continue;
      const { modifiedCount } = await model.collection.updateMany({ outboxPending: { $gt: 0 } }, { $set: { outboxPending: true } });
      if (modifiedCount > 0) this.options.logger.info({ collection, modifiedCount }, 'outbox counters of an older version turned into the pending flag');
      // Another instance starting at the same time may write the marker first: done either way.
      await markers.updateOne({ _id: marker as never }, { $setOnInsert: { migratedAt: new Date() } }, { upsert: true }).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error;
      });
    }
    this.migrated = true;
  }

  /** The documents the write listener named, each fetched by `_id`. */
  private async relayHinted(): Promise<number> {
    if (this.hints.size === 0) return 0;
    const hinted = [...this.hints.values()];
    this.hints.clear();
    let published = 0;
    for (const [collection, model] of this.models) {
      const ids = hinted.filter((hint) => hint.model === model).map((hint) => hint.id);
      await this.removed(ids.map((id) => `${collection}/${String(id)}`));
      const size = this.options.batchSize ?? 100;
      for (let start = 0; start < ids.length; start += size) {
        const found = await Promise.all(
          ids.slice(start, start + size).map((id) => model.collection.findOne({ _id: id, outboxPending: true } as never, OUTBOX_PROJECTION)),
        );
        published += await this.relayDocuments(model, collection, found.filter((doc) => doc !== null) as OutboxDocument[]);
      }
    }
    return published;
  }

  /** Every tracked collection's pending documents (an equality on the indexed flag), one batch each. */
  private async sweep(): Promise<{ published: number; full: boolean }> {
    const size = this.options.batchSize ?? 100;
    let published = 0;
    let full = false;
    await this.removed();
    for (const [collection, model] of this.models) {
      const docs = (await model.collection.find({ outboxPending: true }, OUTBOX_PROJECTION).limit(size).toArray()) as OutboxDocument[];
      full ||= docs.length === size;
      published += await this.relayDocuments(model, collection, docs);
    }
    return { published, full };
  }

  /** Publishes the entries of `docs`: sets aside what can never go, sends the rest, marks them sent. */
  private async relayDocuments(model: Model<any>, collection: string, docs: OutboxDocument[]): Promise<number> {
    const batches: Batch[] = [];
    const spans: Span[] = [];
    try {
      for (const doc of docs) {
        const events = Object.values(doc.outbox ?? {}).sort((a, b) => a.seq - b.seq);
        if (events.length === 0) {
          // Flagged with nothing left (e.g. a crash between removing the entries and lowering the flag).
          await this.clearFlag(model, doc._id, doc.outbox == null ? null : {});
          continue;
        }
        const outgoing: Outgoing[] = [];
        for (const event of events) {
          const prepared = this.prepare(event);
          if (prepared.span) spans.push(prepared.span);
          if ('reason' in prepared) {
            await this.setAside(model, collection, doc._id, event, prepared.reason, prepared.detail);
            continue;
          }
          outgoing.push(prepared);
        }
        if (outgoing.length > 0) batches.push({ doc, outgoing });
      }
      return await this.send(model, collection, batches);
    } finally {
      for (const span of spans) span.end();
    }
  }

  /** The entry's Kafka message and producer span, or why it can never be published. */
  private prepare(event: PendingEvent): Outgoing | { reason: OutboxRejectionReason; detail: string; span?: Span } {
    const definition = this.options.catalogue.get(event.envelope.type);
    if (!definition) return { reason: 'unknown-type', detail: `${event.envelope.type} is not in the event catalogue` };
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
    const message = toKafkaMessage(event.envelope, captureTraceContext(trace.setSpan(restoreTraceContext(event.trace), span)));
    const bytes = messageBytes(message);
    const maxBytes = this.options.maxMessageBytes ?? 1_000_000;
    if (bytes > maxBytes) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'too large' });
      return { reason: 'too-large', detail: `${bytes} bytes, more than the ${maxBytes} bytes a message may take (KAFKA_MAX_MESSAGE_BYTES)`, span };
    }
    return { event, topic, message, bytes, span };
  }

  /**
   * Sends the batches, packed into requests of at most the message size (the broker refuses a record
   * list larger than that). When the broker refuses a request for one of its messages, the culprit is
   * found by sending document by document, then message by message, in order.
   */
  private async send(model: Model<any>, collection: string, batches: Batch[]): Promise<number> {
    let published = 0;
    for (const request of this.pack(batches)) {
      try {
        await this.produce(request.flatMap((batch) => batch.outgoing));
      } catch (error) {
        if (!refusalOf(error)) throw error; // the broker is unreachable or busy: retried as a whole later
        for (const batch of request) published += await this.sendOneByOne(model, collection, batch);
        continue;
      }
      // Each document has its own lock: their entries are removed side by side, not one after the other.
      for (const batch of request) this.removeInBackground(model, collection, batch);
      published += request.reduce((sum, batch) => sum + batch.outgoing.length, 0);
    }
    return published;
  }

  private pack(batches: Batch[]): Batch[][] {
    const maxBytes = this.options.maxMessageBytes ?? 1_000_000;
    const requests: Batch[][] = [];
    let current: Batch[] = [];
    let bytes = 0;
    for (const batch of batches) {
      const size = batch.outgoing.reduce((sum, out) => sum + out.bytes, 0);
      if (current.length > 0 && bytes + size > maxBytes) {
        requests.push(current);
        current = [];
        bytes = 0;
      }
      current.push(batch);
      bytes += size;
    }
    if (current.length > 0) requests.push(current);
    return requests;
  }

  /** One document's entries, together, then one at a time; a message the broker refuses is set aside. */
  private async sendOneByOne(model: Model<any>, collection: string, batch: Batch): Promise<number> {
    try {
      await this.produce(batch.outgoing);
      await this.removeEntries(model, batch.doc._id, batch.outgoing);
      return batch.outgoing.length;
    } catch (error) {
      if (!refusalOf(error)) throw error;
    }
    let published = 0;
    for (const out of batch.outgoing) {
      try {
        await this.produce([out]);
      } catch (error) {
        const refusal = refusalOf(error);
        if (!refusal) throw error;
        out.span.setStatus({ code: SpanStatusCode.ERROR, message: refusal });
        await this.setAside(model, collection, batch.doc._id, out.event, 'broker-refused', refusal);
        continue;
      }
      await this.removeEntries(model, batch.doc._id, [out]);
      published++;
    }
    return published;
  }

  private async produce(outgoing: Outgoing[]): Promise<void> {
    const byTopic = new Map<string, TopicMessages>();
    for (const { topic, message } of outgoing) {
      const batch = byTopic.get(topic) ?? { topic, messages: [] };
      batch.messages.push(message);
      byTopic.set(topic, batch);
    }
    const producer = await this.connectedProducer();
    crashPoint('outbox.before-publish');
    try {
      await producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
    } catch (error) {
      // kafkajs rolls back the sequence numbers of EVERY partition of a failed request, even those the
      // broker wrote: sending other messages with this producer could then be dropped by the broker as
      // duplicates or refused as out of order. A new producer has a new id and fresh sequences.
      if (outgoing.length > 1) await this.dropProducer();
      throw error;
    }
    crashPoint('outbox.after-publish');
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.options.createProducer();
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch((error: unknown) => this.options.logger.warn({ err: error }, 'outbox producer did not disconnect cleanly'));
  }

  /**
   * Moves an entry that can never be published to `outbox_rejected`: inserted there first, then
   * removed from the aggregate (both idempotent, so a crash between them only repeats them).
   */
  private async setAside(model: Model<any>, collection: string, id: unknown, event: PendingEvent, reason: OutboxRejectionReason, detail: string) {
    const { _id, ...entry } = rejectedEntry(event.envelope, event.seq, { collection, id: String(id) }, reason, detail);
    await outboxRejectedModel(model.db).collection.updateOne({ _id } as never, { $setOnInsert: entry }, { upsert: true });
    await this.removeEntries(model, id, [{ event }]);
    this.options.logger.warn(
      { eventId: event.envelope.id, eventType: event.envelope.type, collection, aggregateId: String(id), reason, detail },
      'outbox entry set aside in outbox_rejected: it can never be published',
    );
  }

  /**
   * Removes sent (or set aside) entries, then lowers the flag only if the outbox is now empty: the
   * second update is guarded on `outbox: {}`, so an event written in between keeps its flag raised.
   */
  private async removeEntries(model: Model<any>, id: unknown, entries: Array<{ event: PendingEvent }>, whole?: { outboxWrites: number }): Promise<void> {
    const unset = Object.fromEntries(entries.map(({ event }) => [`outbox.${event.envelope.id}`, '']));
    // The same per-document lock as the aggregate's own writes, across processes (see document-locks.ts).
    await withDocumentLock(model.db, model.collection.collectionName, id, async () => {
      if (whole) {
        // Every entry read was sent and no write added events since: the outbox is all sent, emptied with the flag lowered in one update.
        const { matchedCount } = await model.collection.updateOne({ _id: id, outboxWrites: whole.outboxWrites } as never, { $set: { outbox: {}, outboxPending: false } });
        if (matchedCount === 1) return;
      }
      await model.collection.updateOne({ _id: id } as never, { $unset: unset });
      await model.collection.updateOne({ _id: id, outbox: {} } as never, { $set: { outboxPending: false } });
    });
  }

  /** Lowers the flag of a document whose outbox is (still) `outbox`: empty, or absent (`null`). */
  private async clearFlag(model: Model<any>, id: unknown, outbox: Record<string, never> | null): Promise<void> {
    await withDocumentLock(model.db, model.collection.collectionName, id, () => model.collection.updateOne({ _id: id, outbox } as never, { $set: { outboxPending: false } }));
  }
}

/** The count of event-adding writes a batch was read at, when it sends every entry its document had then. */
const wholeOutbox = ({ doc, outgoing }: Batch) =>
  doc.outboxWrites !== undefined && outgoing.length === Object.keys(doc.outbox ?? {}).length ? { outboxWrites: doc.outboxWrites } : undefined;

/** The broker's refusal of the records themselves (`TYPE: message`), or undefined for any other failure. */
const refusalOf = (error: unknown) => messageRejectionOf(error, RECORD_REFUSALS);
