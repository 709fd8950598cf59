import { isDuplicateKey } from './duplicate-key';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Logger } from '@aap/observability';
import { lockKey } from './document-locks';
import { connectionModel } from './connection-model';

/**
 * An event whose handler kept failing in line, kept aside so that its partition moves on. Events of
 * the same key that arrive while it is parked queue behind it (per-key order is kept); they are
 * retried in the background, oldest first.
 */
export interface ParkedEvent {
  /** The event id. */
  _id: string;
  /** `<topic>|<message key>`: the unit whose order is kept. */
  parkKey: string;
  /** The Kafka offset: the order of the key's events (one key lives on one partition). */
  order: number;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  /** Attempts made so far (in line and in the background). */
  attempts: number;
  lastError?: string;
  parkedAt: Date;
  nextAttemptAt?: Date;
}

export function parkedEventModel(connection: Connection): Model<ParkedEvent> {
  return connectionModel(connection, 'ParkedEvent', () =>
    new Schema<ParkedEvent>(
      {
        _id: { type: String, required: true },
        parkKey: { type: String, required: true },
        order: { type: Number, required: true },
        topic: String,
        partition: Number,
        offset: String,
        key: String,
        value: String,
        headers: { type: Schema.Types.Mixed },
        attempts: Number,
        lastError: String,
        parkedAt: Date,
        nextAttemptAt: Date,
      },
      { collection: 'parked_events', versionKey: false },
    ).index({ parkKey: 1, order: 1 }),
  );
}

export interface ParkingLotOptions {
  connection: Connection;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** One more attempt at a parked event: resolves when it is handled, throws when it failed again. */
  attempt(parked: ParkedEvent): Promise<void>;
  /** Whether a failure can never succeed (dead letter at once). */
  isPermanent(error: Error): boolean;
  deadLetter(parked: ParkedEvent, error: Error, attempts: number): Promise<void>;
}

export function retryDelay(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), maxMs);
}

/**
 * The parked events of one service and their background retries. This process keeps the set of
 * keys that have parked events (loaded at start), so the hot path asks the database nothing for
 * a key that is not parked; lookups are by `_id` or by the indexed `parkKey`.
 */
export class ParkingLot {
  private readonly model: Model<ParkedEvent>;
  private readonly keys = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly draining = new Map<string, Promise<void>>();
  private stopped = false;
  private refreshed: Promise<void> = Promise.resolve();

  constructor(private readonly options: ParkingLotOptions) {
    this.model = parkedEventModel(options.connection);
  }

  /** Picks up the keys parked before a restart and retries them. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.model.createIndexes();
    await this.refresh();
  }

  /**
   * Learns the keys parked by any instance and retries them: at start, and each time this instance's
   * partitions change (another instance of the service may have parked events of a key whose partition
   * is now this one's; its later events must queue behind them). Not a hot path: only failing keys are
   * in this collection.
   */
  refresh(): Promise<void> {
    // Messages handled meanwhile wait for it (`queueIfParked`): they may be of a key parked elsewhere.
    this.refreshed = this.refreshed.catch(() => undefined).then(() => this.readParkedKeys());
    return this.refreshed;
  }

  private async readParkedKeys(): Promise<void> {
    const parked = await this.model.collection.find({}, { projection: { parkKey: 1 } }).toArray();
    for (const { parkKey } of parked) {
      if (this.keys.has(parkKey as string)) continue;
      this.keys.add(parkKey as string);
      this.schedule(parkKey as string, 0);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.draining.values()]);
  }

  /** Number of keys waiting behind a parked event (diagnostics). */
  get parkedKeys(): number {
    return this.keys.size;
  }

  /** Whether the key has parked events (its later events must queue behind them); asks no database. */
  async holds(parkKey: string): Promise<boolean> {
    await this.refreshed.catch(() => undefined);
    return this.keys.has(parkKey);
  }

  /** Queues `event` behind its key's parked events, if there are any; false when the key is free. */
  async queueIfParked(event: Omit<ParkedEvent, 'attempts' | 'parkedAt'>): Promise<boolean> {
    await this.refreshed.catch(() => undefined);
    if (!this.keys.has(event.parkKey)) return false;
    const release = await this.lock(event.parkKey);
    try {
      if (!this.keys.has(event.parkKey)) return false;
      await this.insert({ ...event, attempts: 0, parkedAt: new Date() });
    } finally {
      await release();
    }
    // The instance that parked the key's head may be gone (killed, or its partition moved here): this one drains too.
    if (!this.draining.has(event.parkKey) && !this.timers.has(event.parkKey)) this.schedule(event.parkKey, this.options.retryBaseMs);
    return true;
  }

  /** Parks an event that failed `attempts` times in line; its key's later events will queue behind it. */
  async park(event: Omit<ParkedEvent, 'attempts' | 'parkedAt'>, attempts: number, error: Error): Promise<void> {
    const delay = retryDelay(attempts, this.options.retryBaseMs, this.options.retryMaxMs);
    const release = await this.lock(event.parkKey);
    try {
      await this.insert({ ...event, attempts, lastError: error.message, parkedAt: new Date(), nextAttemptAt: new Date(Date.now() + delay) });
      this.keys.add(event.parkKey);
    } finally {
      await release();
    }
    this.options.logger.warn({ eventId: event._id, parkKey: event.parkKey, attempts, retryInMs: delay, err: error }, 'event parked; its partition moves on');
    if (!this.draining.has(event.parkKey)) this.schedule(event.parkKey, delay);
  }

  private async insert(event: ParkedEvent): Promise<void> {
    try {
      await this.model.collection.insertOne(event as never);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // a redelivered copy: already parked
    }
  }

  /** A key's lock, shared by every instance and on every store: "queue behind the key" and "the key has nothing left" never cross. */
  private lock(parkKey: string) {
    return lockKey(this.options.connection, 'parked_events', `key/${parkKey}`);
  }

  private schedule(key: string, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        const drain = this.drain(key)
          .catch((error) => {
            this.options.logger.error({ err: error, parkKey: key }, 'retrying parked events failed; trying again later');
            this.schedule(key, this.options.retryMaxMs);
          })
          .finally(() => this.draining.delete(key));
        this.draining.set(key, drain);
      }, delayMs),
    );
  }

  /** Retries the key's oldest parked event, then the next ones, until one fails again or none is left. */
  private async drain(key: string): Promise<void> {
    while (!this.stopped) {
      const head = await this.model.collection.find({ parkKey: key }).sort({ order: 1 }).limit(1).next() as ParkedEvent | null;
      if (!head) {
        const release = await this.lock(key);
        try {
          // Checked again under the lock: an event may have queued since.
          if ((await this.model.collection.findOne({ parkKey: key }, { projection: { _id: 1 } })) === null) {
            this.keys.delete(key);
            return;
          }
        } finally {
          await release();
        }
        continue;
      }
      const attempts = head.attempts + 1;
      try {
        await this.options.attempt(head);
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        if (attempts >= this.options.maxAttempts || this.options.isPermanent(error)) {
          await this.options.deadLetter(head, error, attempts);
        } else {
          const delay = retryDelay(attempts, this.options.retryBaseMs, this.options.retryMaxMs);
          await this.model.collection.updateOne(
            { _id: head._id as never },
            { $set: { attempts, lastError: error.message, nextAttemptAt: new Date(Date.now() + delay) } },
          );
          this.options.logger.warn({ eventId: head._id, parkKey: key, attempts, retryInMs: delay, err: error }, 'parked event failed again');
          this.schedule(key, delay);
          return;
        }
      }
      await this.model.collection.deleteOne({ _id: head._id as never });
    }
  }
}
