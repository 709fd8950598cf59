import { randomUUID } from 'node:crypto';
import type { Decision } from '@aap/contracts';
import type { Logger } from '@aap/observability';
import type { NotificationSettings } from '../config';
import { attemptFailed, attemptSucceeded, claim, record, renewClaim, replay, type Channel, type Delivery, type NewDelivery } from './delivery';
import { DeliveryError, type DeliveryChannel } from './delivery-channel';
import type { DeliveryStore } from './delivery.store';
import { ImmediateAttempts } from './immediate-attempts';

/** A delivery for the immediate path, as this process last wrote it (so no read precedes the next write). */
interface Known {
  delivery: Delivery;
  /** Recorded already claimed by this process: attempted without claiming again. */
  claimed: boolean;
}

/**
 * The delivery queue. The Kafka handlers RECORD deliveries (keyed by event and recipient: the same
 * event seen again records nothing); a delivery just recorded (or replayed) is attempted at once in
 * the background (`ImmediateAttempts`, bounded), and a scheduled job sends the retries and whatever
 * the immediate path left, so a slow or failing SMTP server or webhook receiver never holds the
 * consumer back.
 *
 * The hot path costs one insert and one guarded write: a delivery recorded while a running place is
 * free is inserted already claimed (the unique `_id` makes that insert the claim: another instance
 * seeing the same event again inserts nothing), sent, and its outcome written on the version this
 * process wrote. A delivery recorded while every place is taken waits in memory and is claimed when
 * it starts, on the version it was recorded with. Only when that guarded write loses (the scheduler
 * or another instance changed the delivery) is it read again and decided again.
 *
 * Every change of a delivery is a decision of delivery.ts: a claim is decided on a version, so of
 * two claimers only one wins; the outcome is recorded only by the holder of the claim token, which
 * renews its lease while the attempt runs (DELIVERY_CLAIM_MS: a crashed holder's delivery is
 * claimable again that long after its last renewal). A crash between the send and its recording
 * re-sends after the lease (at least once): e-mails carry a stable Message-ID and webhooks a stable
 * `webhook-id` so receivers can tell.
 */
export class DeliveryQueue {
  private readonly immediate: ImmediateAttempts<Known>;

  constructor(
    private readonly store: DeliveryStore,
    private readonly settings: NotificationSettings,
    private readonly channels: Partial<Record<Channel, DeliveryChannel>>,
    private readonly logger: Logger,
  ) {
    this.immediate = new ImmediateAttempts((known) => this.attemptNow(known), {
      concurrency: settings.DELIVERY_BATCH_SIZE,
      onError: (error) => logger.error({ err: error }, 'immediate delivery attempt failed; the scheduler retries it'),
    });
  }

  /** Records a delivery and starts its first attempt at once; false when it already exists (the same event seen again). */
  async enqueue(delivery: NewDelivery): Promise<boolean> {
    const now = new Date();
    const recorded = (record(null, delivery, now) as Extract<Decision<Delivery>, { outcome: 'accepted' }>).state;
    const place = this.immediate.reserve();
    try {
      const first = place ? this.claimed(recorded, now) : recorded;
      if (!(await this.store.create(first))) {
        place?.release();
        return false;
      }
      const known = { delivery: { ...first, version: 1 }, claimed: place !== undefined };
      // Not taken (stopped, or too many waiting): a pending one is the scheduler's, a claimed one its after its lease.
      if (place) place.run(known);
      else this.immediate.push(known);
      return true;
    } catch (error) {
      place?.release();
      throw error;
    }
  }

  /**
   * The scheduler's pass: sends the due deliveries (retries, and what the immediate path left: a
   * full queue, a crash, another instance's stop) and takes back expired leases, a batch at a time,
   * concurrently within a batch. Returns how many were claimed.
   */
  async sendDue(now = new Date()): Promise<number> {
    const claimed: Delivery[] = [];
    for (const id of await this.store.claimable(this.settings.DELIVERY_BATCH_SIZE, now)) {
      const handled = await this.store.commands.handleExisting(id, (delivery) => claim(delivery, this.claimCommand(), now));
      if (handled?.written && handled.after) claimed.push(handled.after);
    }
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  /** Sends a sent or failed delivery again, at once; the refusal when it is pending or sending. */
  async replay(deliveryId: string, requestedBy: string) {
    const now = new Date();
    const handled = await this.store.commands.handleExisting(deliveryId, (delivery) => replay(delivery, { requestedBy }, now));
    if (handled?.written && handled.after) this.immediate.push({ delivery: handled.after, claimed: false });
    return handled;
  }

  /** Stops the immediate attempts: waits for those in progress; the queued ones are left to the scheduler. */
  stopImmediate(): Promise<void> {
    return this.immediate.stop();
  }

  private claimCommand() {
    return { claimToken: randomUUID(), leaseMs: this.settings.DELIVERY_CLAIM_MS };
  }

  private claimed(delivery: Delivery, now: Date): Delivery {
    return (claim(delivery, this.claimCommand(), now) as Extract<Decision<Delivery>, { outcome: 'accepted' }>).state;
  }

  /** The first attempt of a delivery just recorded or replayed: claimed first unless recorded claimed, if nobody claimed it meanwhile. */
  private async attemptNow({ delivery, claimed }: Known): Promise<void> {
    if (claimed) return this.attempt(delivery);
    const command = this.claimCommand();
    const now = new Date();
    const after = await this.change(delivery, (current) => claim(current, command, now));
    if (after?.status === 'sending' && after.claimToken === command.claimToken) await this.attempt(after);
  }

  /**
   * Records `decide` on the delivery as this process knows it (one guarded write, no read); when the
   * stored one moved on (or the known one does not allow it), reads it and decides again. The stored
   * state after, or null when the delivery is gone.
   */
  private async change(known: Delivery, decide: (delivery: Delivery) => Decision<Delivery>): Promise<Delivery | null> {
    const decision = decide(known);
    if (decision.outcome === 'accepted') {
      if (decision.state === known) return known;
      if (await this.store.record(known, decision.state)) return { ...decision.state, version: known.version + 1 };
    }
    const handled = await this.store.commands.handleExisting(known.id, decide);
    return handled?.after ?? null;
  }

  /** One attempt under this process's claim of `delivery`: the lease renewed while it runs, then the outcome recorded. */
  private async attempt(delivery: Delivery): Promise<void> {
    const logger = this.logger.child({ deliveryId: delivery.id, channel: delivery.channel, eventId: delivery.eventId });
    const claimToken = delivery.claimToken!;
    const lease = this.renewing(delivery, claimToken, logger);
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    try {
      const channel = this.channels[delivery.channel];
      if (!channel) throw new DeliveryError(`no ${delivery.channel} channel is configured`, { permanent: true });
      const result = await channel.send(delivery, logger);
      const report = { claimToken, durationMs: durationMs(), ...result };
      await this.change(await lease.stop(), (current) => attemptSucceeded(current, report, new Date()));
      logger.info({ attempt: delivery.attempts + 1 }, 'delivery sent');
    } catch (caught) {
      const error = caught instanceof DeliveryError ? caught : new DeliveryError(caught instanceof Error ? caught.message : String(caught));
      const report = { claimToken, durationMs: durationMs(), detail: error.message, permanent: error.options.permanent, statusCode: error.options.statusCode };
      const policy = { maxAttempts: this.settings.DELIVERY_MAX_ATTEMPTS, baseMs: this.settings.DELIVERY_RETRY_BASE_MS, maxMs: this.settings.DELIVERY_RETRY_MAX_MS };
      const after = await this.change(await lease.stop(), (current) => attemptFailed(current, report, policy, new Date()));
      if (after?.status === 'failed') logger.error({ attempt: after.attempts, err: error }, 'delivery failed for good');
      else logger.warn({ attempt: delivery.attempts + 1, err: error, retryAt: after?.nextAttemptAt }, 'delivery failed, will retry');
    }
  }

  /**
   * Renews the claim every third of its lease while the attempt runs (a slow receiver keeps its
   * delivery; nothing is written for an attempt shorter than that). `stop` ends the renewals and
   * gives the delivery as last written, for the outcome's write.
   */
  private renewing(delivery: Delivery, claimToken: string, logger: Logger): { stop(): Promise<Delivery> } {
    let current = delivery;
    let renewal: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      renewal = renewal.then(async () => {
        try {
          current = (await this.change(current, (stored) => renewClaim(stored, { claimToken, leaseMs: this.settings.DELIVERY_CLAIM_MS }, new Date()))) ?? current;
        } catch (error) {
          logger.warn({ err: error }, 'renewing a delivery claim failed; retried at the next renewal');
        }
      });
    }, Math.max(1, Math.floor(this.settings.DELIVERY_CLAIM_MS / 3)));
    return {
      async stop() {
        clearInterval(timer);
        await renewal;
        return current;
      },
    };
  }
}
