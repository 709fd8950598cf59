import type { Model } from 'mongoose';
import { isDuplicateKey } from '@aap/messaging';

/**
 * The write of a projection (a service's copy of another's state, fed by events that may arrive
 * late or twice): it never goes back in time.
 */
/**
 * Applies `set` to the document `id` unless it already holds a newer state (`field` greater than
 * `value`); creates it when absent. Two writes instead of one upsert so that a stale event meeting a
 * newer document is a no-op rather than a duplicate-key error. Answers whether it wrote.
 */
export async function applyIfNotOlder<T>(model: Model<T>, id: string, field: string, value: Date | number, set: Record<string, unknown>): Promise<boolean> {
  const guard = { _id: id, $or: [{ [field]: { $lte: value } }, { [field]: { $exists: false } }] };
  const update = { $set: { ...set, [field]: value } };
  if ((await model.updateOne(guard as never, update as never)).matchedCount > 0) return true;
  try {
    await model.collection.insertOne({ _id: id, ...set, [field]: value } as never);
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // Created meanwhile by another writer, maybe from an older state: applied to it unless it is newer.
    return (await model.updateOne(guard as never, update as never)).matchedCount > 0;
  }
}
