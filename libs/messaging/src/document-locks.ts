import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection, MongooseQueryMiddleware, Query, Schema } from 'mongoose';
import { isDuplicateKey } from './duplicate-key';

/**
 * Serialises the writes to one document across every process that shares the database.
 *
 * Why: FerretDB 1.24 runs an update as "query the matching documents, then `UPDATE … SET _jsonb = <new
 * document> WHERE _id = …`" (handler/msg_update.go → common.UpdateDocument → postgresql UpdateAll),
 * with nothing in the second step that re-checks the filter. Two concurrent updates of one document
 * (two commands guarded on the same version, a command and the relay marking events sent) can both
 * match, and the later replace silently undoes the earlier one — from one process or from several.
 *
 * What holds on FerretDB is a unique insert (the `_id` of every collection is a PostgreSQL unique
 * index): a writer takes the document's LEASE by inserting `{_id: "<collection>/<id>"}` in
 * `document_leases`, writes, and deletes the lease. A writer that finds the lease taken waits for it;
 * a lease older than `LEASE_MS` was left by a holder that died (kill -9 between insert and delete) and
 * is taken over. Within a process, writers queue in memory first, so only one of them polls the database.
 * What a lease cannot cover: a live writer stalled longer than `LEASE_MS` between taking it and writing
 * (its lease is then taken over and the two writes race as without a lease); the unique indexes (the
 * dossier numbers) stay as the backstop there.
 *
 * MongoDB applies a single-document update atomically (a guarded `{_id, version}` update, an `$inc`):
 * there the lock is nothing at all — no lease, no queue. What the store is, is asked once per
 * connection (`buildInfo` answers `ferretdbVersion` on FerretDB).
 */

/** How long a lease protects its holder: a write is one statement, so a lease this old was left by a dead process. */
export const LEASE_MS = 5_000;
/** A writer waiting longer than this for a lease gives up (the caller answers 503/retries): a lease is never held that long by a live writer. */
const WAIT_MS = LEASE_MS * 3;
const LEASES = 'document_leases';

interface Lease {
  _id: string;
  owner: string;
  takenAt: Date;
}

const ferretdb = new WeakMap<object, Promise<boolean>>();

/** Whether this connection's server updates by find-then-replace (FerretDB); asked once, then remembered. */
export function needsLeases(connection: Connection): Promise<boolean> {
  const client = connection.getClient();
  let answer = ferretdb.get(client);
  if (!answer) {
    answer = connection
      .asPromise()
      .then((ready) => ready.db!.admin().command({ buildInfo: 1 }))
      .then((info) => Boolean(info.ferretdbVersion));
    // A failed question (database down) is asked again next time rather than remembered.
    answer.catch(() => ferretdb.delete(client));
    ferretdb.set(client, answer);
  }
  return answer;
}

/**
 * How long a lease is kept after a write when no writer of this process waits for it. The next write
 * of the same document by this process often follows at once (the outbox relay removing the events a
 * command just recorded; the next step of a process manager) and takes the lease as it is: a delete
 * and an insert spared, a third of what a write costs on FerretDB. Another process waits at most
 * this much longer for it.
 */
export const LINGER_MS = 100;

/** This process's writers of one document: queued behind each other, the lease handed from one to the next. */
interface Slot {
  tail: Promise<void>;
  waiting: number;
  lease?: { giveBack: () => Promise<void>; takenAt: number };
  /** The lease kept after the last write (LINGER_MS): handed over to the next writer that comes meanwhile. */
  linger?: { handOver(): void; giveBack(): Promise<void> };
}
const slots = new Map<string, Slot>();

async function takeLease(connection: Connection, key: string): Promise<() => Promise<void>> {
  const leases = connection.collection<Lease>(LEASES);
  const owner = randomUUID();
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await leases.insertOne({ _id: key, owner, takenAt: new Date() });
      // Not given back (the database went away): the lease runs out after LEASE_MS and is taken over.
      return () => leases.deleteOne({ _id: key, owner }).then(() => undefined, () => undefined);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const held = await leases.findOne({ _id: key });
    if (held && Date.now() - held.takenAt.getTime() > LEASE_MS) {
      // Left by a dead holder: removed only if it is still that lease (its owner), then taken afresh.
      await leases.deleteOne({ _id: key, owner: held.owner });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the document ${key} stayed locked by another writer for ${WAIT_MS} ms`);
    await sleep(Math.random() * Math.min(25, 1 + 2 ** attempt));
  }
}

/**
 * Takes the lock of document `id` of `collection` for one write (or a read-then-write): the returned
 * function gives it back. On MongoDB it takes nothing.
 *
 * Giving back does not wait for the database: the caller goes on while the lease is deleted (the next
 * writer of this process waits for that). A writer of this process already queued when the lock is
 * given back gets the lease as it is (no delete and insert again), while the lease is young enough that
 * no other process could take it as abandoned.
 */
export async function lockDocument(connection: Connection, collection: string, id: unknown): Promise<() => Promise<void>> {
  if (!(await needsLeases(connection))) return async () => undefined;
  return lockKey(connection, collection, id);
}

/**
 * The same lease on any store: for a check-then-act that spans more than one write (e.g. "the key has
 * nothing parked, forget it" against "queue behind the key"), which no atomic update covers.
 */
export async function lockKey(connection: Connection, collection: string, id: unknown): Promise<() => Promise<void>> {
  const key = `${collection}/${String(id)}`;
  const slotKey = `${connection.name}/${key}`;
  const slot = slots.get(slotKey) ?? { tail: Promise.resolve(), waiting: 0 };
  slots.set(slotKey, slot);
  const previous = slot.tail;
  let leaveQueue!: () => void;
  const mine = new Promise<void>((resolve) => (leaveQueue = resolve));
  const tail = previous.then(() => mine);
  slot.tail = tail;
  slot.waiting++;
  slot.linger?.handOver();
  await previous;
  slot.waiting--;
  const done = () => {
    leaveQueue();
    if (slot.tail === tail && slot.waiting === 0 && !slot.lease) slots.delete(slotKey);
  };
  try {
    if (!slot.lease || Date.now() - slot.lease.takenAt > LEASE_MS / 2) {
      const stale = slot.lease;
      slot.lease = undefined;
      await stale?.giveBack();
      slot.lease = { giveBack: await takeLease(connection, key), takenAt: Date.now() };
    }
  } catch (error) {
    done();
    throw error;
  }
  let given = false;
  return async () => {
    if (given) return;
    given = true;
    const lease = slot.lease;
    if (slot.waiting > 0 || !lease) return done();
    const giveBack = () => {
      clearTimeout(timer);
      slot.linger = undefined;
      slot.lease = undefined;
      return lease.giveBack().finally(done);
    };
    const timer = setTimeout(() => void giveBack(), LINGER_MS);
    slot.linger = {
      handOver: () => {
        clearTimeout(timer);
        slot.linger = undefined;
        done();
      },
      giveBack,
    };
  };
}

/** Gives back at once the leases this connection keeps after its last writes (a stopping service: others need not wait LINGER_MS). */
export async function giveBackLingeringLeases(connection: Connection): Promise<void> {
  const prefix = `${connection.name}/`;
  await Promise.all([...slots].filter(([key, slot]) => key.startsWith(prefix) && slot.linger).map(([, slot]) => slot.linger!.giveBack()));
}

/** Runs `write` holding the lock of one document. */
export async function withDocumentLock<T>(connection: Connection, collection: string, id: unknown, write: () => Promise<T>): Promise<T> {
  const release = await lockDocument(connection, collection, id);
  try {
    return await write();
  } finally {
    await release();
  }
}

const RELEASE = Symbol('release document lock');
type LockedQuery = Query<unknown, unknown> & { [RELEASE]?: () => Promise<void> };
const WRITES: MongooseQueryMiddleware[] = ['updateOne', 'findOneAndUpdate', 'replaceOne', 'deleteOne', 'findOneAndDelete'];

/** Takes the document's lock around each single-document write addressed by `_id`. */
export function documentLocksPlugin(schema: Schema): void {
  schema.pre(WRITES, { document: false, query: true }, async function (this: LockedQuery) {
    const id = (this.getFilter() as { _id?: unknown })._id;
    if (id === undefined || (typeof id === 'object' && id !== null && !('toHexString' in id))) return; // not one document
    this[RELEASE] = await lockDocument(this.model.db, this.model.collection.collectionName, id);
  });
  const release = async function (this: LockedQuery) {
    const giveBack = this[RELEASE];
    this[RELEASE] = undefined;
    await giveBack?.();
  };
  schema.post(WRITES, { document: false, query: true }, release);
  schema.post(WRITES, { document: false, query: true, errorHandler: true }, function (this: LockedQuery, error: Error, _result: unknown, next: (error?: Error) => void) {
    release.call(this).then(
      () => next(error),
      () => next(error),
    );
  });
}
