import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decider } from '@aap/test-harness/decider-spec';
import { cancelAward, isOpen, type AwardDecision, type AwardState } from '../awards/award';
import { awardInExecution, awardWithPaidAdvance, NOW } from '../award-fixtures';
import { orderRecovery, recordPayment, releaseTranche, requestAdvance, requestBalance, requestInterim, validateTranche } from '../tranches/tranche';
import {
  applyBucket,
  applyEnvelope,
  applyRow,
  booksOf,
  bucketId,
  bucketOf,
  emptyBucket,
  emptySummary,
  ledgerOf,
  LEDGER_BUCKETS,
  rowOf,
  sumOf,
  type LedgerBucket,
  type LedgerRow,
  type LedgerSummary,
} from './ledger';

const row = (awardId: string, awardVersion: number, amounts: Partial<LedgerRow> = {}): LedgerRow => ({
  awardId,
  awardVersion,
  payments: 0,
  committedCents: 1_000_000,
  paidCents: 0,
  recoveredCents: 0,
  releasedCents: 0,
  ...amounts,
});
const bucketWith = (...rows: LedgerRow[]): LedgerBucket => ({ ...emptyBucket('call-1', 7), rows, totals: sumOf(rows), version: rows.length });

describe('an award’s row', () => {
  it('given an award with its advance paid, then its row commits the grant, counts one payment and reflects the award version', () => {
    const award = awardWithPaidAdvance();
    expect(rowOf(award)).toEqual({ awardId: 'award-d-1', awardVersion: award.version, payments: 1, committedCents: 2_000_000, paidCents: 600_000, recoveredCents: 0, releasedCents: 0 });
  });

  it('given a cancelled award with its advance paid, then the unpaid rest is released', () => {
    const award = cancelAward(awardWithPaidAdvance(), { cause: 'dossier-withdrawn', reason: 'retrait' }, NOW);
    expect(award.outcome === 'accepted' && rowOf(award.state)).toMatchObject({ committedCents: 2_000_000, paidCents: 600_000, releasedCents: 1_400_000 });
  });
});

describe('a ledger bucket', () => {
  const spec = decider(applyRow);

  it('given an empty bucket, when an award’s first row comes, then the row and the totals that sum it are one state', () => {
    spec.given(emptyBucket('call-1', 7)).when(row('a', 1)).thenState({ rows: [row('a', 1)], totals: { awards: 1, payments: 0, committedCents: 1_000_000, paidCents: 0, recoveredCents: 0, releasedCents: 0 } });
  });

  it('given a bucket holding an award at version 3, when version 5 comes, then its row is replaced and the totals follow', () => {
    spec
      .given(bucketWith(row('a', 3), row('b', 1)))
      .when(row('a', 5, { paidCents: 300_000, payments: 1 }))
      .thenState({ rows: [row('a', 5, { paidCents: 300_000, payments: 1 }), row('b', 1)], totals: { awards: 2, payments: 1, committedCents: 2_000_000, paidCents: 300_000, recoveredCents: 0, releasedCents: 0 } });
  });

  it('given a bucket holding an award at version 5, when version 5 comes again (a redelivery), then nothing happens', () => {
    spec.given(bucketWith(row('a', 5, { paidCents: 300_000 }))).when(row('a', 5, { paidCents: 300_000 })).thenNothingHappens();
  });

  it('given a bucket holding an award at version 5, when version 4 comes late, then nothing happens: the row never goes back', () => {
    spec.given(bucketWith(row('a', 5, { paidCents: 300_000 }))).when(row('a', 4)).thenNothingHappens();
  });
});

describe('a call’s summary', () => {
  const spec = decider(applyBucket);
  const bucket = (n: number, version: number, ...rows: LedgerRow[]): LedgerBucket => ({ ...emptyBucket('call-1', n), rows, totals: sumOf(rows), version });

  it('given an empty summary, when two buckets are copied, then the call’s totals are their sum', () => {
    const first = applyBucket(emptySummary('call-1'), bucket(3, 1, row('a', 1)));
    const summary = first.outcome === 'accepted' ? first.state : emptySummary('call-1');
    spec.given(summary).when(bucket(9, 2, row('b', 2, { paidCents: 250_000, payments: 1 }))).thenState({ totals: { awards: 2, payments: 1, committedCents: 2_000_000, paidCents: 250_000, recoveredCents: 0, releasedCents: 0 } });
  });

  it('given a summary holding bucket 3 at version 4, when its version 2 or 4 is copied again, then nothing happens', () => {
    const held = applyBucket(emptySummary('call-1'), bucket(3, 4, row('a', 7)));
    const summary = (held as { state: LedgerSummary }).state;
    spec.given(summary).when(bucket(3, 2, row('a', 1))).thenNothingHappens();
    spec.given(summary).when(bucket(3, 4, row('a', 7))).thenNothingHappens();
  });
});

describe('the call’s envelope in its summary', () => {
  const spec = decider(applyEnvelope);
  const call = (budgetEnvelopeCents: number, version: number) => ({ budgetEnvelopeCents, version });

  it('given a summary without the call, when the call is published, then its envelope is there with the call version', () => {
    spec.given(emptySummary('call-1')).when(call(10_000_000, 1)).thenState({ envelope: { cents: 10_000_000, callVersion: 1 }, totals: emptySummary('call-1').totals });
  });

  it('given the envelope of version 3, when version 2 arrives late or 3 again, then nothing happens; version 4 replaces it', () => {
    const summary: LedgerSummary = { ...emptySummary('call-1'), envelope: { cents: 12_000_000, callVersion: 3 } };
    spec.given(summary).when(call(10_000_000, 2)).thenNothingHappens();
    spec.given(summary).when(call(12_000_000, 3)).thenNothingHappens();
    spec.given(summary).when(call(15_000_000, 4)).thenState({ envelope: { cents: 15_000_000, callVersion: 4 } });
  });
});

describe('the ledger as read', () => {
  it('outstanding is committed − paid − released, what remains is envelope − committed + released; no envelope known, no remaining', () => {
    const totals = { awards: 2, payments: 3, committedCents: 5_000_000, paidCents: 2_000_000, recoveredCents: 100_000, releasedCents: 500_000 };
    expect(ledgerOf({ callId: 'call-1', totals, envelope: { cents: 10_000_000, callVersion: 2 } })).toMatchObject({ outstandingCents: 2_500_000, remainingEnvelopeCents: 5_500_000, envelopeCents: 10_000_000 });
    expect(ledgerOf({ callId: 'call-1', totals, envelope: null })).toMatchObject({ outstandingCents: 2_500_000, remainingEnvelopeCents: null, envelopeCents: null });
  });

  it('spreads awards over the buckets with a stable hash', () => {
    expect(bucketOf('award-d-1')).toBe(bucketOf('award-d-1'));
    const used = new Set(Array.from({ length: 5_000 }, (_, i) => bucketOf(`dossier-${i}`)));
    expect(used.size).toBe(LEDGER_BUCKETS);
    expect(bucketId('call-1', 12)).toBe('call-1|12');
  });
});

// ── Property: random award sequences, their rows delivered late, twice, with crashes between the two writes ──

/** A decision's state as stored: the command handler adds 1 to the version on each write. */
const stored = (award: AwardState, decision: AwardDecision): AwardState =>
  decision.outcome === 'accepted' && decision.state !== award ? { ...decision.state, version: award.version + 1 } : award;

type Op = { kind: 'advance' } | { kind: 'interim'; bps: number } | { kind: 'balance'; bps: number } | { kind: 'recover'; bps: number } | { kind: 'cancel' };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ kind: 'advance' as const }),
  fc.integer({ min: 1, max: 6_000 }).map((bps) => ({ kind: 'interim' as const, bps })),
  fc.integer({ min: 0, max: 12_000 }).map((bps) => ({ kind: 'balance' as const, bps })),
  fc.integer({ min: 1, max: 3_000 }).map((bps) => ({ kind: 'recover' as const, bps })),
  fc.constant({ kind: 'cancel' as const }),
);
const share = (amount: number, bps: number) => Math.floor((amount * bps) / 10_000);

/** Every state an award goes through under `ops` (each stored version), with the real decide functions. */
function lifeOf(awardId: string, grantCents: number, ops: readonly Op[]): AwardState[] {
  let award: AwardState = { ...awardInExecution({ grantCents, eligibleCostCents: 2 * grantCents }), awardId };
  const states = [award];
  const apply = (decide: (a: AwardState) => AwardDecision) => {
    const next = stored(award, decide(award));
    if (next !== award) states.push((award = next));
    return next;
  };
  const payLast = () => {
    const trancheId = award.tranches.at(-1)?.trancheId ?? 'none';
    apply((a) => validateTranche(a, { trancheId, by: 'finance-1' }, NOW));
    apply((a) => releaseTranche(a, { trancheId, by: 'finance-2' }, NOW));
    apply((a) => recordPayment(a, { trancheId, paymentReference: `PAY-${trancheId}`, paidOn: '2027-02-01', by: 'finance-2' }, NOW));
  };
  for (const o of ops) {
    if (!isOpen(award)) break;
    const before = award.tranches.length;
    if (o.kind === 'advance') apply((a) => requestAdvance(a, { by: 'applicant-1' }, NOW));
    if (o.kind === 'interim') {
      const expenses = [{ supplier: 'S', date: '2027-01-20', amountCents: award.eligibleCostCents, category: 'c' }];
      apply((a) => requestInterim(a, { amountCents: share(a.grantCents, o.bps), expenses, by: 'applicant-1' }, NOW));
    }
    if (o.kind === 'balance') apply((a) => requestBalance(a, { actualEligibleExpensesCents: share(a.eligibleCostCents, o.bps), by: 'applicant-1' }, NOW));
    if (award.tranches.length > before) payLast();
    if (o.kind === 'recover') apply((a) => orderRecovery(a, { amountCents: share(a.grantCents, o.bps), dueOn: '2027-04-01', reason: 'trop-perçu', by: 'finance-1' }, NOW));
    if (o.kind === 'cancel') apply((a) => cancelAward(a, { cause: 'renounced', reason: 'renonciation' }, NOW));
  }
  return states;
}

/** The projection's two writes, in memory, with a crash after the bucket write when `crash`. */
function deliver(books: { buckets: Map<number, LedgerBucket>; summary: LedgerSummary }, callId: string, award: AwardState, crash: boolean) {
  const n = bucketOf(award.awardId);
  const before = books.buckets.get(n) ?? emptyBucket(callId, n);
  const decided = applyRow(before, rowOf(award));
  const bucket = decided.outcome === 'accepted' && decided.state !== before ? { ...decided.state, version: before.version + 1 } : before;
  books.buckets.set(n, bucket);
  if (crash) return;
  const copied = applyBucket(books.summary, bucket);
  if (copied.outcome === 'accepted' && copied.state !== books.summary) books.summary = { ...copied.state, version: books.summary.version + 1 };
}

describe('the ledger under random award sequences delivered late, twice, and with crashes between its two writes', () => {
  it('balances: the call’s totals are the sum of the rows and of the awards, paid ≤ committed ≤ envelope, committed = paid + released + outstanding', () => {
    const awards = fc.array(fc.record({ grant: fc.integer({ min: 10, max: 50_000_000 }), ops: fc.array(op, { maxLength: 8 }) }), { minLength: 1, maxLength: 25 });
    fc.assert(
      fc.property(awards, fc.nat({ max: 100_000_000 }), fc.infiniteStream(fc.tuple(fc.nat(), fc.boolean())), (plans, slack, choices) => {
        const callId = 'call-1';
        const lives = plans.map(({ grant, ops }, i) => lifeOf(`award-${i}`, grant, ops));
        const envelope = plans.reduce((sum, p) => sum + p.grant, 0) + slack;
        // Every stored state is handled at least once, in a shuffled order, some twice, some after a crash.
        const deliveries = lives.flat().flatMap((state) => [state, state]);
        const books = { buckets: new Map<number, LedgerBucket>(), summary: emptySummary(callId) };
        const it = choices[Symbol.iterator]();
        while (deliveries.length > 0) {
          const [pick, crash] = it.next().value as [number, boolean];
          const [state] = deliveries.splice(pick % deliveries.length, 1);
          deliver(books, callId, state!, crash);
        }
        // The last event of each award is redelivered after any crash (at least once): the summary heals.
        for (const life of lives) deliver(books, callId, life.at(-1)!, false);

        const finals = lives.map((life) => life.at(-1)!);
        const expected = sumOf(finals.map(rowOf));
        const rows = [...books.buckets.values()].flatMap((b) => b.rows);
        expect(sumOf(rows)).toEqual(expected);
        expect(books.summary.totals).toEqual(expected);
        expect(booksOf(callId, finals.map(rowOf)).summary.totals).toEqual(expected);

        const ledger = ledgerOf({ ...books.summary, envelope: { cents: envelope, callVersion: 1 } });
        expect(ledger.paidCents).toBeLessThanOrEqual(ledger.committedCents);
        expect(ledger.committedCents).toBeLessThanOrEqual(envelope);
        expect(ledger.outstandingCents).toBeGreaterThanOrEqual(0);
        expect(ledger.committedCents).toBe(ledger.paidCents + ledger.releasedCents + ledger.outstandingCents);
        expect(ledger.remainingEnvelopeCents).toBeGreaterThanOrEqual(0);
        expect(ledger.payments).toBe(finals.reduce((sum, a) => sum + a.tranches.filter((t) => t.status === 'paid').length, 0));
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
