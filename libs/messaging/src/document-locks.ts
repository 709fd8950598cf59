import type { MongooseQueryMiddleware, Query, Schema } from 'mongoose';

/**
 * Serialises this process's writes to one document.
 *
 * Why: FerretDB 1.24 runs an update as "find the document, then replace it" in two steps, so two
 * concurrent updates of one document (a command and the outbox relay marking events sent, or two
 * commands guarded on the same version) can both match and the later replace silently undoes the
 * earlier one. MongoDB applies a single-document update atomically and does not need this; there it
 * only costs a map lookup. Across processes FerretDB keeps the race: run one instance per service on it.
 */
const tails = new Map<string, Promise<void>>();

export async function lockDocument(key: string): Promise<() => void> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => current);
  tails.set(key, tail);
  await previous;
  return () => {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  };
}

export function documentKey(database: string, collection: string, id: unknown): string {
  return `${database}/${collection}/${String(id)}`;
}

const RELEASE = Symbol('release document lock');
type LockedQuery = Query<unknown, unknown> & { [RELEASE]?: () => void };
const WRITES: MongooseQueryMiddleware[] = ['updateOne', 'findOneAndUpdate', 'replaceOne', 'deleteOne', 'findOneAndDelete'];

/** Takes the document's lock around each single-document write addressed by `_id`. */
export function documentLocksPlugin(schema: Schema): void {
  schema.pre(WRITES, { document: false, query: true }, async function (this: LockedQuery) {
    const id = (this.getFilter() as { _id?: unknown })._id;
    if (id === undefined || (typeof id === 'object' && id !== null && !('toHexString' in id))) return; // not one document
    this[RELEASE] = await lockDocument(documentKey(this.model.db.name, this.model.collection.collectionName, id));
  });
  const release = function (this: LockedQuery) {
    this[RELEASE]?.();
    this[RELEASE] = undefined;
  };
  schema.post(WRITES, { document: false, query: true }, release);
  schema.post(WRITES, { document: false, query: true, errorHandler: true }, function (this: LockedQuery, error: Error, _result: unknown, next: (error?: Error) => void) {
    release.call(this);
    next(error);
  });
}
