import { randomUUID } from 'node:crypto';
import { Schema } from 'mongoose';
import { accepted } from '@aap/contracts';
import { documentStore, sharedReads, startingFrom, type DocumentMapping, type ServiceContext } from '@aap/service-runtime';
import type { DossierStore } from '../dossiers/dossier.store';
import { storedDossiers } from '../dossiers/read-models';
import { bucketId, bucketOf, INDEX_BUCKETS, rowOf, rowsOfLines, withRows } from './dossier-lines';
import type { DossierIndex, DossierRow } from './dossier-row';
import { eachLimited } from '@aap/messaging';

/**
 * The staff lists' read model: every dossier of a call as one compact line (dossier-lines.ts) in 64
 * buckets (`dossier_index_buckets`, `_id` = `<callId>:<n>`), and one head per call
 * (`dossier_index_heads`, `_id` = callId) holding each bucket's version. Both are written through the
 * command handler (guarded on their version, under the per-document lease on FerretDB): first the
 * bucket, then the head raised to at least the bucket's new version.
 *
 * A reader keeps the call's rows in process and revalidates them with ONE `_id` read of the head,
 * reading again by `_id` only the buckets whose version moved: a row written by any instance (bucket
 * then head, before `refresh` resolves) is seen by the next read on every instance. Memory is bounded:
 * the calls least recently read are dropped past `maxCachedRows` rows. Readers of one call at the same
 * time share its reads (`sharedReads`).
 */

interface BucketDocument {
  _id: string;
  callId: string;
  lines: string;
  version: number;
}

interface HeadDocument {
  _id: string;
  /** Drawn when the head is made: an index emptied and rebuilt is a new one to a reader's copy (versions start again). */
  epoch: string;
  /** Each bucket's version (0: never written), by bucket number. */
  buckets: number[];
  version: number;
}

interface BucketState {
  callId: string;
  lines: string;
  version: number;
}

interface HeadState {
  epoch: string;
  buckets: number[];
  version: number;
}

const BUCKET_MAPPING: DocumentMapping<BucketState, BucketDocument> = {
  name: 'dossier index bucket',
  toState: (doc) => ({ callId: doc.callId, lines: doc.lines ?? '', version: doc.version }),
  toFields: ({ callId, lines }) => ({ callId, lines }),
};

const HEAD_MAPPING: DocumentMapping<HeadState, HeadDocument> = {
  name: 'dossier index head',
  toState: (doc) => ({ epoch: doc.epoch, buckets: doc.buckets ?? [], version: doc.version }),
  toFields: ({ epoch, buckets }) => ({ epoch, buckets }),
};

function groupedBy<K>(rows: readonly DossierRow[], keyOf: (row: DossierRow) => K): Map<K, DossierRow[]> {
  const groups = new Map<K, DossierRow[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

/** A call as this process last read it: each bucket's rows at the version read, and all of them. */
interface CachedCall {
  epoch: string;
  buckets: Array<{ version: number; rows: DossierRow[] }>;
  rows: readonly DossierRow[];
}

/** At most this many buckets are written at once by a bulk refresh. */
const WRITE_CONCURRENCY = 8;

export interface DossierIndexStore extends DossierIndex {
  /** Rewrites the rows of these dossiers from the stored dossiers: one guarded write per bucket touched, then each call's head once. */
  refreshMany(dossierIds: readonly string[]): Promise<number>;
  /** Writes these rows (built from stored dossiers by the caller), as refreshMany does. */
  writeRows(rows: readonly DossierRow[]): Promise<void>;
  /** Whether the call has a head (the index holds it). */
  hasCall(callId: string): Promise<boolean>;
}

export function dossierIndexStore(context: ServiceContext, dossiers: Pick<DossierStore, 'get'>, { maxCachedRows = 200_000 } = {}): DossierIndexStore {
  const bucketSchema = new Schema<BucketDocument>(
    {
      _id: { type: String, required: true },
      callId: { type: String, required: true },
      lines: { type: String, default: '' },
      version: { type: Number, required: true },
    },
    { minimize: false },
  );
  const headSchema = new Schema<HeadDocument>(
    {
      _id: { type: String, required: true },
      epoch: { type: String, required: true },
      buckets: { type: [Number], default: [] },
      version: { type: Number, required: true },
    },
    { minimize: false },
  );
  const Bucket = context.model<BucketDocument>('DossierIndexBucket', bucketSchema, { collection: 'dossier_index_buckets' });
  const Head = context.model<HeadDocument>('DossierIndexHead', headSchema, { collection: 'dossier_index_heads' });
  const buckets = context.commands(documentStore(Bucket, BUCKET_MAPPING));
  const heads = context.commands(documentStore(Head, HEAD_MAPPING));

  /** Writes the rows of one bucket (the later version of each row wins); answers the bucket's version now. */
  async function writeBucket(callId: string, bucket: number, rows: readonly DossierRow[]): Promise<number> {
    const empty: BucketState = { callId, lines: '', version: 0 };
    const handled = await buckets.handle(
      bucketId(callId, bucket),
      startingFrom(empty, (state) => {
        const lines = withRows(state.lines, rows);
        return accepted(lines === state.lines ? state : { ...state, lines });
      }),
    );
    return handled.after?.version ?? 0;
  }

  /** Raises the head's bucket versions to at least `versions` (a head never goes back either). */
  async function raiseHead(callId: string, versions: ReadonlyMap<number, number>): Promise<void> {
    const empty: HeadState = { epoch: randomUUID(), buckets: [], version: 0 };
    await heads.handle(
      callId,
      startingFrom(empty, (head) => {
        if ([...versions].every(([bucket, version]) => (head.buckets[bucket] ?? 0) >= version)) return accepted(head);
        const next = Array.from({ length: INDEX_BUCKETS }, (_, bucket) => Math.max(head.buckets[bucket] ?? 0, versions.get(bucket) ?? 0));
        return accepted({ ...head, buckets: next });
      }),
    );
  }

  /** Writes rows of one call: each bucket touched once, then the head once. */
  async function writeCall(callId: string, rows: readonly DossierRow[]): Promise<void> {
    const byBucket = groupedBy(rows, (row) => bucketOf(row.dossierId));
    const versions = new Map<number, number>();
    await eachLimited([...byBucket], WRITE_CONCURRENCY, async ([bucket, inBucket]) => {
      versions.set(bucket, await writeBucket(callId, bucket, inBucket));
    });
    await raiseHead(callId, versions);
  }

  // Group commit per call: the handlers of a busy call (its partitions side by side) would each write
  // its head, racing each other on its version. Rows given while a call's write is under way wait for
  // its next write, which takes them all: one writer per call in this process, no race among its own.
  const nextWrites = new Map<string, { rows: DossierRow[]; written: Promise<void> }>();
  const lastWrites = new Map<string, Promise<void>>();
  function writeRowsOfCall(callId: string, rows: readonly DossierRow[]): Promise<void> {
    let next = nextWrites.get(callId);
    if (next === undefined) {
      const taken: DossierRow[] = [];
      const written = (lastWrites.get(callId) ?? Promise.resolve())
        .catch(() => undefined) // the previous write's callers have its error; this one starts afresh
        .then(() => {
          nextWrites.delete(callId);
          return writeCall(callId, taken);
        });
      next = { rows: taken, written };
      nextWrites.set(callId, next);
      lastWrites.set(callId, written);
      const forget = () => {
        if (lastWrites.get(callId) === written) lastWrites.delete(callId);
      };
      written.then(forget, forget);
    }
    for (const row of rows) next.rows.push(row); // a rebuild gives a whole call at once: no spread of that many arguments
    return next.written;
  }

  async function writeRows(rows: readonly DossierRow[]): Promise<void> {
    const byCall = groupedBy(rows, (row) => row.callId);
    await Promise.all([...byCall].map(([callId, ofCall]) => writeRowsOfCall(callId, ofCall)));
  }

  async function refreshMany(dossierIds: readonly string[]): Promise<number> {
    const rows = (await storedDossiers(dossiers, dossierIds)).map(rowOf);
    await writeRows(rows);
    return rows.length;
  }


  // ── The read side: an in-process copy per call, LRU by rows ───────────────────────────────────
  const cache = new Map<string, CachedCall>();
  let cachedRows = 0;
  const remember = (callId: string, call: CachedCall) => {
    const previous = cache.get(callId);
    if (previous) {
      cachedRows -= previous.rows.length;
      cache.delete(callId);
    }
    cache.set(callId, call);
    cachedRows += call.rows.length;
    // Least recently read first (a Map keeps insertion order); the call just read always stays.
    for (const [oldest, dropped] of cache) {
      if (cachedRows <= maxCachedRows || oldest === callId) break;
      cache.delete(oldest);
      cachedRows -= dropped.rows.length;
    }
  };

  async function loadRowsOfCall(callId: string): Promise<readonly DossierRow[]> {
    const head = await Head.findById(callId).lean<HeadDocument>();
    if (!head) return [];
    const held = cache.get(callId);
    const cached = held?.epoch === head.epoch ? held : undefined;
    const versions = head.buckets;
    const stale = Array.from({ length: INDEX_BUCKETS }, (_, bucket) => bucket).filter((bucket) => (versions[bucket] ?? 0) > (cached?.buckets[bucket]?.version ?? 0));
    if (cached && stale.length === 0) {
      remember(callId, cached); // most recently read
      return cached.rows;
    }
    const next = cached ? [...cached.buckets] : Array.from({ length: INDEX_BUCKETS }, () => ({ version: 0, rows: [] as DossierRow[] }));
    await Promise.all(
      stale.map(async (bucket) => {
        const doc = await Bucket.findById(bucketId(callId, bucket)).lean<BucketDocument>();
        if (doc) next[bucket] = { version: doc.version, rows: rowsOfLines(callId, doc.lines) };
      }),
    );
    const call: CachedCall = { epoch: head.epoch, buckets: next, rows: next.flatMap((b) => b.rows) };
    remember(callId, call);
    return call.rows;
  }

  // Staff reading one call at once share its head's read (and the buckets it finds stale), each still
  // answered by a read started after it asked: 10 readers cost 2 round trips, not 10.
  const loads = sharedReads(loadRowsOfCall);

  return {
    rowsOfCall: (callId) => loads.read(callId),
    async refresh(dossierId) {
      await refreshMany([dossierId]);
    },
    refreshMany,
    writeRows,
    hasCall: async (callId) => (await Head.exists({ _id: callId })) !== null,
  };
}
