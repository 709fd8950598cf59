import { Schema, type Connection, type Model } from 'mongoose';
import { connectionModel } from './connection-model';
import { isDuplicateKey } from './duplicate-key';

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
 * The inbox read and written a batch at a time: which of a batch's events were handled (one `_id`
 * read each, all at once — FerretDB pushes an `_id` equality down, not an `$in`), and the handled
 * ones recorded in one unordered `insertMany`.
 */
export class ProcessedEvents {
  readonly model: Model<ProcessedEvent>;

  constructor(connection: Connection) {
    this.model = processedEventModel(connection);
  }

  async handledAmong(ids: readonly string[]): Promise<Set<string>> {
    const found = await Promise.all(ids.map((id) => this.model.collection.findOne({ _id: id as never }, { projection: { _id: 1 } })));
    return new Set(found.filter((document) => document !== null).map((document) => String(document!._id)));
  }

  /** Records events as handled; one already recorded (handled concurrently elsewhere, or a copy) is fine. */
  async record(events: readonly ProcessedEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.model.collection.insertMany(events as never[], { ordered: false });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: unknown[] }).writeErrors;
      const onlyDuplicates = writeErrors ? writeErrors.length > 0 && writeErrors.every(isDuplicateKey) : isDuplicateKey(error);
      if (!onlyDuplicates) throw error;
    }
  }
}
