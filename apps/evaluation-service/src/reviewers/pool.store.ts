import { Schema, type UpdateQuery } from 'mongoose';
import type { OutboxFields } from '@aap/messaging';
import { concurrentChange, insertOnce, record, type ServiceContext } from '@aap/service-runtime';
import { emptyPool, type PoolReviewer, type PoolState } from './pool';

/**
 * The reviewer pools: one document per call (`_id` = call id) holding its reviewers with their loads
 * and the claims of its dossiers. Every change is one guarded write on {_id, version} (the per-document
 * lock serialises it with this process's other writes on FerretDB): two dossiers assigned at once
 * cannot both count on the same old load — the later one loses the race, reads again and chooses again.
 */
interface PoolDocument extends OutboxFields {
  _id: string;
  reviewers: PoolReviewer[];
  /** Keyed by the encoded dossier id (a field name holds no `.` nor a leading `$`). */
  claims: Record<string, string[]>;
  version: number;
  updatedAt: Date;
}

const encodeKey = (id: string) => encodeURIComponent(id).replace(/\./g, '%2E');
const decodeKey = (key: string) => decodeURIComponent(key);

/** How often a write that lost its race is decided again before answering 409: a burst of a wave's dossiers shares one pool. */
const MAX_ATTEMPTS = 40;
const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 15));

export function poolStore(context: ServiceContext) {
  const Pool = context.aggregate<PoolDocument>(
    'ReviewerPool',
    new Schema<PoolDocument>(
      {
        _id: { type: String, required: true },
        reviewers: { type: Schema.Types.Mixed, default: () => [] },
        claims: { type: Schema.Types.Mixed, default: () => ({}) },
        version: { type: Number, required: true },
        updatedAt: { type: Date, required: true },
      },
      { minimize: false },
    ),
    { collection: 'reviewer_pools' },
  );

  const get = async (callId: string): Promise<PoolState | null> => {
    const doc = await Pool.findById(callId).lean<PoolDocument>();
    if (!doc) return null;
    const claims = Object.fromEntries(Object.entries(doc.claims ?? {}).map(([key, ids]) => [decodeKey(key), ids]));
    return { callId: doc._id, reviewers: doc.reviewers ?? [], claims, version: doc.version };
  };

  /** ONE guarded write of the next pool (only the dossier claims that changed); false when the race was lost. */
  async function save(current: PoolState, next: PoolState): Promise<boolean> {
    const now = new Date();
    if (current.version === 0) {
      const claims = Object.fromEntries(Object.entries(next.claims).map(([id, ids]) => [encodeKey(id), ids]));
      return (await insertOnce(Pool, { _id: next.callId, reviewers: next.reviewers, claims, version: 1, updatedAt: now })) === 'inserted';
    }
    const set: Record<string, unknown> = { reviewers: next.reviewers, updatedAt: now };
    const unset: Record<string, ''> = {};
    for (const dossierId of new Set([...Object.keys(current.claims), ...Object.keys(next.claims)])) {
      const [was, is] = [current.claims[dossierId], next.claims[dossierId]];
      if (JSON.stringify(was) === JSON.stringify(is)) continue;
      if (is) set[`claims.${encodeKey(dossierId)}`] = is;
      else unset[`claims.${encodeKey(dossierId)}`] = '';
    }
    const update: UpdateQuery<PoolDocument> = { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) };
    return record(Pool, { id: current.callId, version: current.version }, update);
  }

  return {
    get,
    save,
    /**
     * Decides on the call's current pool (an empty one when the call has none yet) and writes the
     * outcome; a lost race reads and decides again. `decide` answers the next pool (the same object
     * when nothing changes: nothing is written) and what to return.
     */
    async transition<T>(callId: string, decide: (pool: PoolState) => { next: PoolState; result: T }): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const current = (await get(callId)) ?? emptyPool(callId);
        const outcome = decide(current);
        if (outcome.next === current || (await save(current, outcome.next))) return outcome.result;
        if (attempt >= MAX_ATTEMPTS) throw concurrentChange(`the reviewer pool of call ${callId}`, current.version);
        await pause();
      }
    },
  };
}

export type PoolStore = ReturnType<typeof poolStore>;
