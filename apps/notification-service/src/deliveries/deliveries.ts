import { randomUUID } from 'node:crypto';
import { Schema, type Model } from 'mongoose';
import type { EventEnvelope } from '@aap/contracts';
import { documentLocksPlugin } from '@aap/messaging';
import type { Logger } from '@aap/observability';
import type { ServiceContext } from '@aap/service-runtime';
import type { NotificationSettings } from '../config';
import { isDuplicateKey } from '@aap/service-runtime';
import { afterFailure } from './backoff';
import { ImmediateAttempts } from './immediate-attempts';

/**
 * The delivery queue. The Kafka handlers RECORD deliveries (one insert keyed by event and recipient:
 * a redelivered event is a duplicate-key no-op); a delivery just recorded (or replayed) is attempted
 * at once in the background (`ImmediateAttempts`, bounded), and a scheduled job sends the retries
 * and whatever the immediate path left, so a slow or failing SMTP server or webhook receiver never
 * holds the consumer back.
 *
 * pending ──claim──▶ sending ──ok──▶ sent
 *    ▲                  │
 *    └── backoff ◀──────┴──error──▶ failed (after DELIVERY_MAX_ATTEMPTS, or a permanent error)
 *
 * A claim is a guarded update of ONE delivery by `_id` (pending with the due time read, or sending
 * with the claim token read and its lease expired → sending with a new lease and claim token), so
 * two claimers never send the same delivery at the same time; the outcome is written only by the
 * holder of the claim token. A crash between the send and its recording re-sends after the lease
 * (at least once): e-mails carry a stable Message-ID and webhooks a stable `webhook-id` so
 * receivers can tell.
 */
export const CHANNELS = ['email', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];
export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface EmailPayload {
  to: { name?: string; address: string };
  subject: string;
  text: string;
  html: string;
  category: string;
}

export interface WebhookPayload {
  subscriptionId: string;
  /** The CloudEvent as consumed: sent in structured mode (the whole envelope with its data). */
  envelope: EventEnvelope;
}

export interface AttemptLog {
  attempt: number;
  at: Date;
  outcome: 'sent' | 'failed' | 'replay-requested';
  durationMs?: number;
  statusCode?: number;
  detail?: string;
}

export interface DeliveryDocument {
  _id: string;
  channel: Channel;
  status: DeliveryStatus;
  eventId: string;
  eventType: string;
  organisationId?: string;
  dossierId?: string;
  email?: EmailPayload;
  webhook?: WebhookPayload;
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil?: Date;
  claimToken?: string;
  lastError?: string;
  log: AttemptLog[];
  createdAt: Date;
  sentAt?: Date;
  failedAt?: Date;
}

export type NewDelivery = Pick<DeliveryDocument, '_id' | 'channel' | 'eventId' | 'eventType' | 'organisationId' | 'dossierId' | 'email' | 'webhook'>;

/** What a channel reports of a successful send. */
export interface SendResult {
  statusCode?: number;
  detail?: string;
}

/** A failed send; `permanent` when retrying cannot help (the delivery fails for good at once). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly options: { permanent?: boolean; statusCode?: number } = {},
  ) {
    super(message);
  }
}

export interface DeliveryChannel {
  send(delivery: DeliveryDocument, logger: Logger): Promise<SendResult>;
}

export class DeliveryQueue {
  private readonly immediate: ImmediateAttempts<Pick<DeliveryDocument, '_id' | 'nextAttemptAt'>>;

  constructor(
    readonly model: Model<DeliveryDocument>,
    private readonly settings: NotificationSettings,
    private readonly channels: Partial<Record<Channel, DeliveryChannel>>,
    private readonly logger: Logger,
  ) {
    this.immediate = new ImmediateAttempts((due) => this.attemptNow(due), {
      concurrency: settings.DELIVERY_BATCH_SIZE,
      onError: (error) => logger.error({ err: error }, 'immediate delivery attempt failed; the scheduler retries it'),
    });
  }

  /** Records a delivery and starts its first attempt at once; false when it already exists (the same event seen again). */
  async enqueue(delivery: NewDelivery, now = new Date()): Promise<boolean> {
    const defined = Object.fromEntries(Object.entries(delivery).filter(([, value]) => value !== undefined));
    try {
      await this.model.collection.insertOne({ ...defined, status: 'pending', attempts: 0, nextAttemptAt: now, log: [], createdAt: now } as never);
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
    this.immediate.push({ _id: delivery._id, nextAttemptAt: now });
    return true;
  }

  /**
   * The scheduler's pass: sends the due deliveries (retries, and what the immediate path left: a
   * full queue, a crash, another instance's stop) and takes back expired leases, a batch at a time,
   * concurrently within a batch. Returns how many were tried.
   *
   * Why it stays cheap on FerretDB: it reads only `{status: 'pending'}` and `{status: 'sending'}`
   * (equalities on the indexed status), ordered by due time / lease and limited to a batch, and
   * checks due-ness in code; sent and failed deliveries, the history that grows, are never read.
   * Deliveries go out at once, so what is pending is the retries waiting for their backoff.
   */
  async sendDue(now = new Date()): Promise<number> {
    const batch = this.settings.DELIVERY_BATCH_SIZE;
    const [pending, sending] = await Promise.all([
      this.model.find({ status: 'pending' }, { nextAttemptAt: 1 }).sort({ nextAttemptAt: 1 }).limit(batch).lean<Array<Pick<DeliveryDocument, '_id' | 'nextAttemptAt'>>>(),
      this.model.find({ status: 'sending' }, { leaseUntil: 1, claimToken: 1 }).sort({ leaseUntil: 1 }).limit(batch).lean<Array<Pick<DeliveryDocument, '_id' | 'leaseUntil' | 'claimToken'>>>(),
    ]);
    const claims = [
      ...pending.filter((d) => new Date(d.nextAttemptAt).getTime() <= now.getTime()).map((d) => ({ _id: d._id, status: 'pending', nextAttemptAt: d.nextAttemptAt })),
      ...sending.filter((d) => d.leaseUntil && new Date(d.leaseUntil).getTime() <= now.getTime()).map((d) => ({ _id: d._id, status: 'sending', claimToken: d.claimToken })),
    ].slice(0, batch);
    const claimed: DeliveryDocument[] = [];
    for (const guard of claims) {
      const delivery = await this.claim(guard, now);
      if (delivery) claimed.push(delivery);
    }
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  /** Stops the immediate attempts: waits for those in progress; the queued ones are left to the scheduler. */
  stopImmediate(): Promise<void> {
    return this.immediate.stop();
  }

  /** The first attempt of a delivery just recorded or replayed, if nobody claimed it meanwhile. */
  private async attemptNow(due: Pick<DeliveryDocument, '_id' | 'nextAttemptAt'>): Promise<void> {
    const delivery = await this.claim({ _id: due._id, status: 'pending', nextAttemptAt: due.nextAttemptAt }, new Date());
    if (delivery) await this.attempt(delivery);
  }

  /**
   * Takes one delivery, by `_id` and the state it was seen in (equalities only): the document lock
   * serialises this process's claims of it, the guard lets only one of them match.
   */
  private claim(guard: { _id: string; status: string; nextAttemptAt?: Date; claimToken?: string }, now: Date): Promise<DeliveryDocument | null> {
    const leaseMs = this.settings.WEBHOOK_TIMEOUT_MS + 60_000;
    return this.model
      .findOneAndUpdate(guard, { $set: { status: 'sending', leaseUntil: new Date(now.getTime() + leaseMs), claimToken: randomUUID() } }, { new: true })
      .lean<DeliveryDocument>();
  }

  private async attempt(delivery: DeliveryDocument): Promise<void> {
    const logger = this.logger.child({ deliveryId: delivery._id, channel: delivery.channel, eventId: delivery.eventId });
    const attempt = delivery.attempts + 1;
    const started = Date.now();
    const guard = { _id: delivery._id, status: 'sending', claimToken: delivery.claimToken };
    try {
      const channel = this.channels[delivery.channel];
      if (!channel) throw new DeliveryError(`no ${delivery.channel} channel is configured`, { permanent: true });
      const result = await channel.send(delivery, logger);
      const now = new Date();
      await this.model.updateOne(guard, {
        $set: { status: 'sent', sentAt: now, attempts: attempt },
        $unset: { leaseUntil: '', claimToken: '', lastError: '' },
        $push: { log: { attempt, at: now, outcome: 'sent', durationMs: Date.now() - started, ...result } },
      });
      logger.info({ attempt }, 'delivery sent');
    } catch (caught) {
      const error = caught instanceof DeliveryError ? caught : new DeliveryError(caught instanceof Error ? caught.message : String(caught));
      const now = new Date();
      const next = afterFailure(attempt, now, {
        maxAttempts: this.settings.DELIVERY_MAX_ATTEMPTS,
        baseMs: this.settings.DELIVERY_RETRY_BASE_MS,
        maxMs: this.settings.DELIVERY_RETRY_MAX_MS,
      }, error.options.permanent);
      const detail = error.message.slice(0, 1_000);
      await this.model.updateOne(guard, {
        $set: {
          attempts: attempt,
          lastError: detail,
          ...(next.status === 'failed' ? { status: 'failed', failedAt: now } : { status: 'pending', nextAttemptAt: next.nextAttemptAt }),
        },
        $unset: { leaseUntil: '', claimToken: '' },
        $push: {
          log: { attempt, at: now, outcome: 'failed', durationMs: Date.now() - started, detail, ...(error.options.statusCode ? { statusCode: error.options.statusCode } : {}) },
        },
      });
      if (next.status === 'failed') logger.error({ attempt, err: error }, 'delivery failed for good');
      else logger.warn({ attempt, err: error, retryAt: next.nextAttemptAt }, 'delivery failed, will retry');
    }
  }

  /** Sends a sent or failed delivery again, at once (a new series of attempts, same content, same ids). */
  async replay(deliveryId: string, requestedBy: string, now = new Date()): Promise<DeliveryDocument | null> {
    const replayed = await this.model
      .findOneAndUpdate(
        { _id: deliveryId, status: { $in: ['sent', 'failed'] } },
        {
          $set: { status: 'pending', nextAttemptAt: now, attempts: 0 },
          $unset: { failedAt: '', sentAt: '' },
          $push: { log: { attempt: 0, at: now, outcome: 'replay-requested', detail: `replay requested by ${requestedBy}` } },
        },
        { new: true },
      )
      .lean<DeliveryDocument>();
    if (replayed) this.immediate.push({ _id: replayed._id, nextAttemptAt: now });
    return replayed;
  }
}

export function deliveryModel(context: ServiceContext): Model<DeliveryDocument> {
  const schema = new Schema<DeliveryDocument>(
    {
      _id: String,
      channel: { type: String, enum: CHANNELS },
      status: { type: String, enum: DELIVERY_STATUSES },
      eventId: String,
      eventType: String,
      organisationId: String,
      dossierId: String,
      email: Schema.Types.Mixed,
      webhook: Schema.Types.Mixed,
      attempts: Number,
      nextAttemptAt: Date,
      leaseUntil: Date,
      claimToken: String,
      lastError: String,
      log: [Schema.Types.Mixed],
      createdAt: Date,
      sentAt: Date,
      failedAt: Date,
    },
    { collection: 'deliveries', versionKey: false },
  );
  schema.index({ status: 1, nextAttemptAt: 1 });
  schema.index({ status: 1, leaseUntil: 1 });
  schema.index({ 'webhook.subscriptionId': 1, createdAt: -1 });
  // FerretDB updates by find-then-replace: the immediate path and the scheduler claim the same
  // delivery by `_id`, and this lock makes the second claim see the first one's write.
  schema.plugin(documentLocksPlugin);
  return context.db.model<DeliveryDocument>('Delivery', schema);
}
