import { Schema, type Model } from 'mongoose';
import { insertOnce, type ServiceContext } from '@aap/service-runtime';

/**
 * The bounds of an organisation's use of webhooks, kept without scans or unguarded increments
 * (FerretDB updates by find-then-replace, see libs/messaging/src/document-locks.ts):
 *
 * - at most N live webhooks per organisation: each webhook holds one of N numbered slot documents
 *   (`_id` = `<scope>:<n>`), taken by inserting it — the `_id` unique index decides between two
 *   concurrent registrations, on one instance or several — and given back when the webhook is deleted;
 * - at most N replays per webhook and minute: a fixed window on the subscription, advanced by a
 *   decision of subscription.ts (`admitReplay`) recorded on the subscription's version.
 */
interface SlotDocument {
  _id: string;
  scope: string;
  webhookId: string;
  takenAt: Date;
}

/** A slot whose webhook does not exist this long after it was taken was left by a crash between the two inserts. */
const ORPHAN_AFTER_MS = 60_000;

export function webhookSlotModel(context: ServiceContext): Model<SlotDocument> {
  return context.model<SlotDocument>('WebhookSlot', new Schema<SlotDocument>({ _id: String, scope: String, webhookId: String, takenAt: Date }), { collection: 'webhook_slots' });
}

export class WebhookQuota {
  constructor(
    private readonly slots: Model<SlotDocument>,
    private readonly isLive: (webhookId: string) => Promise<boolean>,
    private readonly maxPerScope: number,
  ) {}

  /** The slot taken for this webhook, or undefined when the scope has none left. */
  async take(scope: string, webhookId: string, now = new Date()): Promise<string | undefined> {
    for (let reclaimed = false; ; reclaimed = true) {
      for (let n = 1; n <= this.maxPerScope; n++) {
        const slot = `${scope}:${n}`;
        if ((await insertOnce(this.slots, { _id: slot, scope, webhookId, takenAt: now })) === 'inserted') return slot;
      }
      if (reclaimed || !(await this.reclaimOrphans(scope, now))) return undefined;
    }
  }

  async release(slot: string | undefined, webhookId: string): Promise<void> {
    if (slot) await this.slots.deleteOne({ _id: slot, webhookId });
  }

  /** Frees the slots whose webhook never got written or was deleted without giving it back; true if one was freed. */
  private async reclaimOrphans(scope: string, now: Date): Promise<boolean> {
    let freed = false;
    for (let n = 1; n <= this.maxPerScope; n++) {
      const slot = await this.slots.findById(`${scope}:${n}`).lean<SlotDocument>();
      if (!slot || now.getTime() - new Date(slot.takenAt).getTime() < ORPHAN_AFTER_MS || (await this.isLive(slot.webhookId))) continue;
      freed = (await this.slots.deleteOne({ _id: slot._id, webhookId: slot.webhookId })).deletedCount === 1 || freed;
    }
    return freed;
  }
}
