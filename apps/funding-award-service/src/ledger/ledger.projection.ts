import { Schema } from 'mongoose';
import { documentStore, startingFrom, type DocumentMapping, type ServiceContext } from '@aap/service-runtime';
import type { AwardState } from '../awards';
import { applyBucket, applyEnvelope, applyRow, bucketId, bucketOf, emptyBucket, emptySummary, rowOf, type LedgerBucket, type LedgerSummary } from './ledger';

/**
 * The ledger as stored (see `ledger.ts` for the two levels and why): buckets of award rows with
 * their totals, and one summary per call, both read models (`context.model`: per-document lock, no
 * outbox) written only through the command handler.
 */

interface BucketDocument extends Omit<LedgerBucket, 'version'> {
  _id: string;
  version: number;
}
interface SummaryDocument extends Omit<LedgerSummary, 'version'> {
  _id: string;
  version: number;
}

const BUCKET_MAPPING: DocumentMapping<LedgerBucket, BucketDocument> = {
  name: 'ledger bucket',
  toState: ({ callId, bucket, rows, totals, version }) => ({ callId, bucket, rows: rows ?? [], totals, version }),
  toFields: ({ callId, bucket, rows, totals }) => ({ callId, bucket, rows, totals }),
};
const SUMMARY_MAPPING: DocumentMapping<LedgerSummary, SummaryDocument> = {
  name: 'call ledger',
  toState: ({ callId, buckets, totals, envelope, version }) => ({ callId, buckets: buckets ?? [], totals, envelope: envelope ?? null, version }),
  toFields: ({ callId, buckets, totals, envelope }) => ({ callId, buckets, totals, envelope }),
};

export const LEDGER_COLLECTIONS = { buckets: 'ledger_buckets', summaries: 'ledger_calls' } as const;

export function ledgerProjection(context: ServiceContext) {
  const required = { required: true } as const;
  const Bucket = context.model<BucketDocument>(
    'LedgerBucket',
    new Schema<BucketDocument>(
      {
        _id: { type: String, ...required },
        callId: { type: String, ...required, index: true },
        bucket: { type: Number, ...required },
        rows: { type: Schema.Types.Mixed, default: () => [] },
        totals: { type: Schema.Types.Mixed, ...required },
        version: { type: Number, ...required },
      },
      { minimize: false },
    ),
    { collection: LEDGER_COLLECTIONS.buckets },
  );
  const Summary = context.model<SummaryDocument>(
    'LedgerSummary',
    new Schema<SummaryDocument>(
      {
        _id: { type: String, ...required },
        callId: { type: String, ...required },
        buckets: { type: Schema.Types.Mixed, default: () => [] },
        totals: { type: Schema.Types.Mixed, ...required },
        envelope: { type: Schema.Types.Mixed, default: null },
        version: { type: Number, ...required },
      },
      { minimize: false },
    ),
    { collection: LEDGER_COLLECTIONS.summaries },
  );
  const buckets = context.commands(documentStore(Bucket, BUCKET_MAPPING));
  const summaries = context.commands(documentStore(Summary, SUMMARY_MAPPING));

  return {
    /**
     * The award's row as it is now, in its bucket (one guarded write with the bucket's totals), then
     * the bucket as stored copied into the call's summary: also when the row was already there, so
     * that a crash between the two writes heals when the event comes again.
     */
    async refresh(award: AwardState): Promise<void> {
      const { callId } = award;
      const n = bucketOf(award.awardId);
      const { after: bucket } = await buckets.handle(bucketId(callId, n), startingFrom(emptyBucket(callId, n), (b) => applyRow(b, rowOf(award))));
      if (bucket) await summaries.handle(callId, startingFrom(emptySummary(callId), (s) => applyBucket(s, bucket)));
    },
    /** The call's envelope as its events carry it, beside its totals. */
    async envelope(call: { callId: string; budgetEnvelopeCents: number; version: number }): Promise<void> {
      await summaries.handle(call.callId, startingFrom(emptySummary(call.callId), (s) => applyEnvelope(s, call)));
    },
    /** The call's summary: one read by `_id`; null when neither an award nor an event of the call was seen. */
    async summary(callId: string): Promise<Pick<LedgerSummary, 'callId' | 'totals' | 'envelope'> | null> {
      const doc = await Summary.findById(callId).select('callId totals envelope').lean<Pick<SummaryDocument, 'callId' | 'totals' | 'envelope'>>();
      return doc && { callId, totals: doc.totals, envelope: doc.envelope ?? null };
    },
  };
}
export type LedgerProjection = ReturnType<typeof ledgerProjection>;
