import { accepted, type Decision, type Versioned } from '@aap/contracts';
import { paidCents, recoveredCents, type AwardState } from '../awards/award';

/**
 * The call's ledger, pure: what each award contributes (a row, at the award version it reflects) and
 * how rows add up to the call's totals, in two levels so that no document grows with the call.
 *
 * Why two levels. The brief asks for the totals to move in ONE guarded write together with the row
 * they sum, so a redelivered or late event can never count twice. One document per call holding
 * every row would do that, but at 5 000 awards it weighs ≈ 0.8 MB: FerretDB rewrites it whole on each
 * of the ≈ 20 000 events of such a call, and every read of the ledger would decode it. So:
 *
 * 1. **Buckets** (`ledger_buckets`, `_id` = `<callId>|<n>`, n = FNV-1a(awardId) mod 64): the rows of
 *    1/64 of the call's awards (≈ 80 at 5 000 awards, ≈ 12 kB) and THEIR totals, recomputed from
 *    the rows, written in ONE guarded write (`applyRow`): the row and the totals that sum it never
 *    disagree, and a row is replaced only by a newer award version (a redelivered or older one
 *    decides "nothing happens").
 * 2. **The call's summary** (`ledger_calls`, `_id` = callId): each bucket's totals at the bucket
 *    version they were copied from, and the call's totals (their sum), ≈ 10 kB whatever the call's
 *    size. A bucket's totals replace the copy only when newer (`applyBucket`), so copies arriving
 *    late or twice never go back; the handler copies the bucket as stored after every event, even
 *    one that changed nothing, so a crash between the two writes heals with the redelivery. The
 *    call's envelope is copied there too from the `call.*` events (`applyEnvelope`, by call version).
 *
 * The ledger route reads the summary by `_id`: one small document, never a sum over awards or
 * payments per request.
 */

export interface LedgerTotals {
  awards: number;
  payments: number;
  /** Sum of the grants. */
  committedCents: number;
  paidCents: number;
  /** Asked back by recovery orders (titres de perception). */
  recoveredCents: number;
  /** Will never be paid (`award.amount-released`): back to the envelope. */
  releasedCents: number;
}

/** One award's contribution to its call's ledger, at the award version it was computed from. */
export interface LedgerRow extends Omit<LedgerTotals, 'awards'> {
  awardId: string;
  awardVersion: number;
}

export interface LedgerBucket extends Versioned {
  callId: string;
  bucket: number;
  rows: LedgerRow[];
  totals: LedgerTotals;
}

/** A bucket's totals as the summary copied them, with the bucket version they are from. */
export interface BucketTotals extends LedgerTotals {
  bucket: number;
  bucketVersion: number;
}

export interface LedgerSummary extends Versioned {
  callId: string;
  buckets: BucketTotals[];
  totals: LedgerTotals;
  /** The call's envelope at the call version it was copied from (null until the call's events arrive). */
  envelope: { cents: number; callVersion: number } | null;
}

export const NO_TOTALS: LedgerTotals = { awards: 0, payments: 0, committedCents: 0, paidCents: 0, recoveredCents: 0, releasedCents: 0 };

/** Buckets per call: at 5 000 awards a write rewrites ≈ 80 rows, the summary holds 64 small entries. */
export const LEDGER_BUCKETS = 64;

/** FNV-1a of the award id, mod the bucket count: stable across processes and releases. */
export function bucketOf(awardId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < awardId.length; i += 1) {
    hash ^= awardId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % LEDGER_BUCKETS;
}

export const bucketId = (callId: string, bucket: number): string => `${callId}|${bucket}`;

export const emptyBucket = (callId: string, bucket: number): LedgerBucket => ({ callId, bucket, rows: [], totals: NO_TOTALS, version: 0 });
export const emptySummary = (callId: string): LedgerSummary => ({ callId, buckets: [], totals: NO_TOTALS, envelope: null, version: 0 });

/** What an award contributes to its call's ledger now. */
export function rowOf(award: AwardState): LedgerRow {
  return {
    awardId: award.awardId,
    awardVersion: award.version,
    payments: award.tranches.filter((t) => t.status === 'paid').length,
    committedCents: award.grantCents,
    paidCents: paidCents(award),
    recoveredCents: recoveredCents(award),
    releasedCents: award.releasedCents,
  };
}

const AMOUNTS = ['payments', 'committedCents', 'paidCents', 'recoveredCents', 'releasedCents'] as const;

/** The sum of totals (or rows, each counting one award). */
export function sumOf(parts: ReadonlyArray<Omit<LedgerTotals, 'awards'> & { awards?: number }>): LedgerTotals {
  const totals = { ...NO_TOTALS };
  for (const part of parts) {
    totals.awards += part.awards ?? 1;
    for (const field of AMOUNTS) totals[field] += part[field];
  }
  return totals;
}

/**
 * The bucket with the award's row replaced by `row` and its totals summed again, in one state (one
 * write). Nothing happens when the bucket holds this award version or a newer one.
 */
export function applyRow(bucket: LedgerBucket, row: LedgerRow): Decision<LedgerBucket> {
  const stored = bucket.rows.find((r) => r.awardId === row.awardId);
  if (stored && stored.awardVersion >= row.awardVersion) return accepted(bucket);
  const rows = stored ? bucket.rows.map((r) => (r === stored ? row : r)) : [...bucket.rows, row];
  return accepted({ ...bucket, rows, totals: sumOf(rows) });
}

/**
 * The summary with a bucket's totals as stored at `bucket.version`, and the call's totals summed
 * again. Nothing happens when it holds that bucket version or a newer one.
 */
export function applyBucket(summary: LedgerSummary, bucket: LedgerBucket): Decision<LedgerSummary> {
  const stored = summary.buckets.find((b) => b.bucket === bucket.bucket);
  if (stored && stored.bucketVersion >= bucket.version) return accepted(summary);
  const copy: BucketTotals = { bucket: bucket.bucket, bucketVersion: bucket.version, ...bucket.totals };
  const buckets = stored ? summary.buckets.map((b) => (b === stored ? copy : b)) : [...summary.buckets, copy].sort((a, b) => a.bucket - b.bucket);
  return accepted({ ...summary, buckets, totals: sumOf(buckets) });
}

/** The summary with the call's envelope as of `callVersion`; nothing happens when it holds that call version or a newer one. */
export function applyEnvelope(summary: LedgerSummary, call: { budgetEnvelopeCents: number; version: number }): Decision<LedgerSummary> {
  if (summary.envelope && summary.envelope.callVersion >= call.version) return accepted(summary);
  return accepted({ ...summary, envelope: { cents: call.budgetEnvelopeCents, callVersion: call.version } });
}

/** The call's ledger as read: the books of its awards beside its envelope (null while the call's events have not arrived). */
export interface CallLedger extends LedgerTotals {
  callId: string;
  envelopeCents: number | null;
  /** Committed and neither paid nor released. */
  outstandingCents: number;
  /** What the call can still commit: envelope − committed + released. */
  remainingEnvelopeCents: number | null;
}

export function ledgerOf({ callId, totals, envelope }: Pick<LedgerSummary, 'callId' | 'totals' | 'envelope'>): CallLedger {
  const envelopeCents = envelope?.cents ?? null;
  return {
    callId,
    envelopeCents,
    ...totals,
    outstandingCents: totals.committedCents - totals.paidCents - totals.releasedCents,
    remainingEnvelopeCents: envelopeCents === null ? null : envelopeCents - totals.committedCents + totals.releasedCents,
  };
}

const written = <State extends Versioned>(before: State, decision: Decision<State>): State =>
  decision.outcome === 'accepted' && decision.state !== before ? { ...decision.state, version: before.version + 1 } : before;

/**
 * The buckets and summary of a call as the projection leaves them after applying `rows` one by one
 * (each bucket write, then its copy into the summary): the same decide functions, without the
 * database, to seed a large call at once (the bench).
 */
export function booksOf(callId: string, rows: readonly LedgerRow[]): { buckets: LedgerBucket[]; summary: LedgerSummary } {
  const buckets = new Map<number, LedgerBucket>();
  let summary = emptySummary(callId);
  for (const row of rows) {
    const n = bucketOf(row.awardId);
    const before = buckets.get(n) ?? emptyBucket(callId, n);
    const after = written(before, applyRow(before, row));
    buckets.set(n, after);
    summary = written(summary, applyBucket(summary, after));
  }
  return { buckets: [...buckets.values()], summary };
}
