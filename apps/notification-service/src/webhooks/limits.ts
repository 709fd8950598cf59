import { Schema, type Model } from 'mongoose';
import { isDuplicateKey, type ServiceContext } from '@aap/service-runtime';

/**
 * The bounds of an organisation's use of webhooks, kept without scans or unguarded increments
 * (FerretDB updates by find-then-replace, see libs/messaging/src/document-locks.ts):
 *
 * - at most N live webhooks per organisation: each webhook holds one of N numbered slot documents
 *   (`_id` = `<scope>:<n>`), taken by inserting it — the `_id` unique index decides between two
 *   concurrent registrations, on one instance or several — and given back when the webhook is deleted;
 * - at most N replays per webhook and minute: a fixed window on the subscription, advanced by a
 *   guarded update on its current value (the per-document lock serialises it on FerretDB).
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
  const schema = new Schema<SlotDocument>({ _id: String, scope: String, webhookId: String, takenAt: Date }, { collection: 'webhook_slots', versionKey: false });
  return context.db.model<SlotDocument>('WebhookSlot', schema);
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
        try {
          await this.slots.collection.insertOne({ _id: slot, scope, webhookId, takenAt: now } as never);
          return slot;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
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

export interface ReplayWindow {
  startedAt: Date;
  count: number;
}

export const REPLAY_WINDOW_MS = 60_000;

/** A window that is not open (epoch): every subscription is written with one, so the replay guard is equalities. */
export const NO_REPLAY_WINDOW: ReplayWindow = { startedAt: new Date(0), count: 0 };

/** Accepted, or refused with the seconds until the window reopens. */
export type ReplayAdmission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

/**
 * Counts one replay of a subscription against its window. Each try reads the window and writes the
 * next one only if it is still the one read (equalities on its two fields; a subscription always
 * has a window, NO_REPLAY_WINDOW at first); a concurrent replay makes it read again.
 */
export async function admitReplay<T extends { _id: string; replayWindow?: ReplayWindow }>(
  subscriptions: Model<T>,
  subscriptionId: string,
  perWindow: number,
  now = new Date(),
): Promise<ReplayAdmission> {
  for (let tries = 0; tries < 10; tries++) {
    const current = (await subscriptions.findById(subscriptionId, { replayWindow: 1 }).lean<{ replayWindow?: ReplayWindow }>())?.replayWindow ?? NO_REPLAY_WINDOW;
    const open = now.getTime() - new Date(current.startedAt).getTime() < REPLAY_WINDOW_MS ? current : undefined;
    if (open && open.count >= perWindow) {
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((new Date(open.startedAt).getTime() + REPLAY_WINDOW_MS - now.getTime()) / 1000)) };
    }
    const next: ReplayWindow = open ? { startedAt: new Date(open.startedAt), count: open.count + 1 } : { startedAt: now, count: 1 };
    const unchanged = { 'replayWindow.startedAt': new Date(current.startedAt), 'replayWindow.count': current.count };
    const written = await subscriptions.updateOne({ _id: subscriptionId, ...unchanged } as never, { $set: { replayWindow: next } } as never);
    if (written.modifiedCount === 1) return { admitted: true };
  }
  return { admitted: false, retryAfterSeconds: 1 };
}
