import { Schema } from 'mongoose';
import type { OutboxFields } from '@aap/messaging';
import { documentStore, startingFrom, type DocumentMapping, type ServiceContext } from '@aap/service-runtime';
import { emptyPool, type PoolDecision, type PoolReviewer, type PoolState } from './pool';

/**
 * The reviewer pools: one document per call (`_id` = call id) holding its reviewers with their loads
 * and the claims of its dossiers. Every change goes through the command handler: one guarded write
 * on {_id, version}, so two dossiers assigned at once cannot both count on the same old load — the
 * later one loses the race and is decided again on the pool the first one wrote.
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

const POOL_MAPPING: DocumentMapping<PoolState, PoolDocument> = {
  name: 'reviewer pool',
  toState: (doc) => ({
    callId: doc._id,
    reviewers: doc.reviewers ?? [],
    claims: Object.fromEntries(Object.entries(doc.claims ?? {}).map(([key, ids]) => [decodeKey(key), ids])),
    version: doc.version,
  }),
  toFields: (pool) => ({
    reviewers: pool.reviewers,
    claims: Object.fromEntries(Object.entries(pool.claims).map(([id, ids]) => [encodeKey(id), ids])),
    updatedAt: new Date(),
  }),
};

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
  const store = documentStore(Pool, POOL_MAPPING);
  const commands = context.commands(store);
  return {
    get: (callId: string): Promise<PoolState | null> => store.load(callId),
    /** Decides on the call's pool (an empty one before its first reviewer) and records the outcome through the command handler. */
    decide: (callId: string, decide: (pool: PoolState) => PoolDecision) => commands.handle(callId, startingFrom(emptyPool(callId), decide)),
  };
}

export type PoolStore = ReturnType<typeof poolStore>;
