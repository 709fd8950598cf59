import type { Model } from 'mongoose';
import { isDuplicateKey } from '@aap/messaging';

/**
 * The write of a projection (a service's copy of another's state, fed by events that may arrive
 * late or twice): it never goes back in time.
 */
/**
 * Applies `set` to the document `id` unless it already holds a newer state (`field` greater than
 * `value`); creates it when absent. Two writes instead of one upsert so that a stale event meeting a
 * newer document is a no-op rather than a duplicate-key error.
 */
export async function applyIfNotOlder<T>(model: Model<T>, id: string, field: string, value: Date | number, set: Record<string, unknown>): Promise<void> {
  const guard = { _id: id, $or: [{ [field]: { $lte: value } }, { [field]: { $exists: false } }] };
  const updated = await model.updateOne(guard as never, { $set: { ...set, [field]: value } } as never);
  if (updated.matchedCount > 0) return;
  try {
    await model.collection.insertOne({ _id: id, ...set, [field]: value } as never);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // It exists and holds a newer state (or was just written by a concurrent instance): nothing to do.
  }
}

