import { randomUUID } from 'node:crypto';
import type { Logger } from '@aap/observability';
import type { NotificationSettings } from '../config';
import { attemptFailed, attemptSucceeded, claim, record, replay, type Channel, type Delivery, type NewDelivery } from './delivery';
import { DeliveryError, type DeliveryChannel } from './delivery-channel';
import type { DeliveryStore } from './delivery.store';
import { ImmediateAttempts } from './immediate-attempts';

/**
 * The delivery queue. The Kafka handlers RECORD deliveries (keyed by event and recipient: the same
 * event seen again records nothing); a delivery just recorded (or replayed) is attempted at once in
 * the background (`ImmediateAttempts`, bounded), and a scheduled job sends the retries and whatever
 * the immediate path left, so a slow or failing SMTP server or webhook receiver never holds the
 * consumer back.
 *
 * Every change of a delivery is a decision of delivery.ts run through the command handler: a claim
 * is decided on the version read, so of two claimers only one wins; the outcome is recorded only by
 * the holder of the claim token. A crash between the send and its recording re-sends after the lease
 * (at least once): e-mails carry a stable Message-ID and webhooks a stable `webhook-id` so receivers
 * can tell.
 */
export class DeliveryQueue {
  private readonly immediate: ImmediateAttempts<string>;

  constructor(
    private readonly store: DeliveryStore,
    private readonly settings: NotificationSettings,
    private readonly channels: Partial<Record<Channel, DeliveryChannel>>,
    private readonly logger: Logger,
  ) {
    this.immediate = new ImmediateAttempts((id) => this.attemptNow(id), {
      concurrency: settings.DELIVERY_BATCH_SIZE,
      onError: (error) => logger.error({ err: error }, 'immediate delivery attempt failed; the scheduler retries it'),
    });
  }

  /** Records a delivery and starts its first attempt at once; false when it already exists (the same event seen again). */
  async enqueue(delivery: NewDelivery): Promise<boolean> {
    const now = new Date();
    const { written } = await this.store.commands.handle(delivery.id, (existing) => record(existing, delivery, now));
    if (written) this.immediate.push(delivery.id);
    return written;
  }

  /**
   * The scheduler's pass: sends the due deliveries (retries, and what the immediate path left: a
   * full queue, a crash, another instance's stop) and takes back expired leases, a batch at a time,
   * concurrently within a batch. Returns how many were claimed.
   */
  async sendDue(now = new Date()): Promise<number> {
    const claimed: Delivery[] = [];
    for (const id of await this.store.claimable(this.settings.DELIVERY_BATCH_SIZE, now)) {
      const delivery = await this.claim(id, now);
      if (delivery) claimed.push(delivery);
    }
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  /** Sends a sent or failed delivery again, at once; the refusal when it is pending or sending. */
  async replay(deliveryId: string, requestedBy: string) {
    const now = new Date();
    const handled = await this.store.commands.handleExisting(deliveryId, (delivery) => replay(delivery, { requestedBy }, now));
    if (handled?.written) this.immediate.push(deliveryId);
    return handled;
  }

  /** Stops the immediate attempts: waits for those in progress; the queued ones are left to the scheduler. */
  stopImmediate(): Promise<void> {
    return this.immediate.stop();
  }

  /** The first attempt of a delivery just recorded or replayed, if nobody claimed it meanwhile. */
  private async attemptNow(id: string): Promise<void> {
    const delivery = await this.claim(id, new Date());
    if (delivery) await this.attempt(delivery);
  }

  /** The delivery under a new claim of this process, or null when it is not claimable (someone else's, not due). */
  private async claim(id: string, now: Date): Promise<Delivery | null> {
    const leaseMs = this.settings.WEBHOOK_TIMEOUT_MS + 60_000;
    const handled = await this.store.commands.handleExisting(id, (delivery) => claim(delivery, { claimToken: randomUUID(), leaseMs }, now));
    return handled?.written ? handled.after : null;
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const logger = this.logger.child({ deliveryId: delivery.id, channel: delivery.channel, eventId: delivery.eventId });
    const claimToken = delivery.claimToken!;
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    try {
      const channel = this.channels[delivery.channel];
      if (!channel) throw new DeliveryError(`no ${delivery.channel} channel is configured`, { permanent: true });
      const result = await channel.send(delivery, logger);
      const report = { claimToken, durationMs: durationMs(), ...result };
      await this.store.commands.handleExisting(delivery.id, (current) => attemptSucceeded(current, report, new Date()));
      logger.info({ attempt: delivery.attempts + 1 }, 'delivery sent');
    } catch (caught) {
      const error = caught instanceof DeliveryError ? caught : new DeliveryError(caught instanceof Error ? caught.message : String(caught));
      const report = { claimToken, durationMs: durationMs(), detail: error.message, permanent: error.options.permanent, statusCode: error.options.statusCode };
      const policy = { maxAttempts: this.settings.DELIVERY_MAX_ATTEMPTS, baseMs: this.settings.DELIVERY_RETRY_BASE_MS, maxMs: this.settings.DELIVERY_RETRY_MAX_MS };
      const handled = await this.store.commands.handleExisting(delivery.id, (current) => attemptFailed(current, report, policy, new Date()));
      const after = handled?.after;
      if (after?.status === 'failed') logger.error({ attempt: after.attempts, err: error }, 'delivery failed for good');
      else logger.warn({ attempt: delivery.attempts + 1, err: error, retryAt: after?.nextAttemptAt }, 'delivery failed, will retry');
    }
  }
}
