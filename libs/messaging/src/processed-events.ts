import { Schema, type Connection, type Model } from 'mongoose';
import { connectionModel } from './connection-model';
import { insertEachOnce } from './duplicate-key';

export interface ProcessedEvent {
  _id: string;
  type: string;
  topic: string;
  partition: number;
  offset: string;
  handledAt: Date;
}

/** The inbox: ids of the events this service has already handled (one collection per service database). */
export function processedEventModel(connection: Connection): Model<ProcessedEvent> {
  return connectionModel(connection, 'ProcessedEvent', () =>
    new Schema<ProcessedEvent>(
      {
        _id: { type: String, required: true },
        type: String,
        topic: String,
        partition: Number,
        offset: String,
        handledAt: Date,
      },
      { collection: 'processed_events', versionKey: false },
    ),
  );
}

/**
 * The inbox read and written a batch at a time. A batch first claims its event ids in one unordered
 * insert (`claimed_events`): an id that was never claimed cannot have been handled, so only the ids
 * claimed before (a redelivery, a copy, an event whose handling a crash cut short) are looked up in
 * `processed_events` — one `_id` read each, side by side (FerretDB pushes an `_id` equality down, not
 * an `$in`). The handled ones are recorded in one unordered `insertMany`.
 */
export class ProcessedEvents {
  readonly model: Model<ProcessedEvent>;
  private readonly claims: Model<{ _id: string; claimedAt: Date }>;

  constructor(connection: Connection) {
    this.model = processedEventModel(connection);
    this.claims = connectionModel(connection, 'ClaimedEvent', () =>
      new Schema<{ _id: string; claimedAt: Date }>({ _id: { type: String, required: true }, claimedAt: Date }, { collection: 'claimed_events', versionKey: false }),
    );
  }

  /** Of `ids`, the events already handled: claims them all, then asks `processed_events` about those claimed before. */
  async claimUnhandled(ids: readonly string[]): Promise<Set<string>> {
    const claimedAt = new Date();
    const claimedBefore = await insertEachOnce(this.claims.collection, ids.map((id) => ({ _id: id, claimedAt })));
    return this.handledAmong(claimedBefore.map((claim) => claim._id));
  }

  async handledAmong(ids: readonly string[]): Promise<Set<string>> {
    const found = await Promise.all(ids.map((id) => this.model.collection.findOne({ _id: id as never }, { projection: { _id: 1 } })));
    return new Set(found.filter((document) => document !== null).map((document) => String(document!._id)));
  }

  /** Records events as handled; one already recorded (handled concurrently elsewhere, or a copy) is fine. */
  async record(events: readonly ProcessedEvent[]): Promise<void> {
    await insertEachOnce(this.model.collection, events);
  }
}
