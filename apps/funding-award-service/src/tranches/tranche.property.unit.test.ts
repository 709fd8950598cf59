import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AwardAmountReleased, AwardRecoveryOrdered, TranchePaid, TrancheReleased, type Emitted } from '@aap/contracts';
import { cancelAward, grantAward, interimCapCents, isOpen, paidCents, recoveredCents, type AwardDecision, type AwardState } from '../awards/award';
import { BIC, DOSSIER, HOLDER, IBAN, LEGAL_COMMITMENT, NOTIFIED_AT, OTHER_IBAN, at, must } from '../award-fixtures';
import { recordLegalCommitment } from '../legal-commitment/legal-commitment';
import { submitBankDetails, validateBankDetails } from '../bank-details/bank-details';
import { applyDeadlines, declareStart } from '../execution/execution';
import { countersignAgreement, issueAgreement, signAgreement } from '../agreements/agreement';
import { orderRecovery, recordPayment, refuseTranche, releaseTranche, requestAdvance, requestBalance, requestInterim, validateTranche } from './tranche';

/**
 * Whatever the beneficiary and finance officers do, in whatever order — requests, validations,
 * refusals, releases, payments (retried or doubled), recovery orders, bank-detail changes, a
 * cancellation, the deadline job, a corrected legal commitment — the money holds: paid ≤ granted, the
 * advance and interim payments within their cap, a tranche released and paid at most once, nothing paid
 * on a closed award, the legal commitment fixed once money was released under it, and the award's books
 * balance to the cent against the events it published.
 */

const NOW = at('2027-02-01T10:00:00Z');
const officers = fc.constantFrom('finance-1', 'finance-2', 'finance-3');

type Step = (award: AwardState) => AwardDecision;
/** Mostly a tranche still moving (requested, validated, released), now and then any (a paid one: a payment recorded twice). */
function trancheAt(award: AwardState, index: number): string {
  const moving = award.tranches.filter((t) => t.status === 'requested' || t.status === 'validated' || t.status === 'released');
  const pool = index % 4 === 0 || moving.length === 0 ? award.tranches : moving;
  return pool[index % Math.max(1, pool.length)]?.trancheId ?? 'none';
}
/** A share of an amount, in basis points: amounts follow the award's size, so requests land near the caps. */
const share = (amount: number, bps: number) => Math.floor((amount * bps) / 10_000);
const bps = (max: number) => fc.integer({ min: 0, max });

// Weighted so that runs go far: most steps move a tranche on, a few close the award.
const step: fc.Arbitrary<{ name: string; run: Step }> = fc.oneof(
  { weight: 2, arbitrary: fc.option(bps(4_000), { nil: undefined }).map((advance) => ({
    name: `advance ${advance ?? 'max'} bps`,
    run: (a: AwardState) => requestAdvance(a, { ...(advance !== undefined ? { amountCents: share(a.grantCents, advance) } : {}), by: 'applicant-1' }, NOW),
  })) },
  { weight: 4, arbitrary: fc.record({ amount: bps(10_000), lines: fc.array(bps(12_000), { minLength: 1, maxLength: 3 }) }).map(({ amount, lines }) => ({
    name: `interim ${amount} bps on ${lines.join('+')} bps`,
    run: (a: AwardState) =>
      requestInterim(
        a,
        { amountCents: share(a.grantCents, amount), expenses: lines.map((line) => ({ supplier: 'S', date: '2027-01-20', amountCents: share(a.eligibleCostCents, line), category: 'c' })), by: 'applicant-1' },
        NOW,
      ),
  })) },
  bps(15_000).map((actual) => ({ name: `balance on ${actual} bps`, run: (a: AwardState) => requestBalance(a, { actualEligibleExpensesCents: share(a.eligibleCostCents, actual), by: 'applicant-1' }, NOW) })),
  {
    weight: 6,
    arbitrary: fc.record({ i: fc.nat(), by: officers, retained: fc.option(bps(11_000), { nil: undefined }) }).map(({ i, by, retained }) => ({
      name: `validate #${i} by ${by}${retained !== undefined ? ` retaining ${retained} bps` : ''}`,
      run: (a: AwardState) => {
        const tranche = a.tranches.find((t) => t.trancheId === trancheAt(a, i));
        const retainedCents = retained !== undefined && tranche?.expensesCents !== undefined ? { retainedExpensesCents: share(tranche.expensesCents, retained) } : {};
        return validateTranche(a, { trancheId: trancheAt(a, i), by, ...retainedCents }, NOW);
      },
    })),
  },
  fc.record({ i: fc.nat(), by: officers }).map(({ i, by }) => ({ name: `refuse #${i}`, run: (a: AwardState) => refuseTranche(a, { trancheId: trancheAt(a, i), reason: 'non', by }, NOW) })),
  { weight: 6, arbitrary: fc.record({ i: fc.nat(), by: officers }).map(({ i, by }) => ({ name: `release #${i} by ${by}`, run: (a: AwardState) => releaseTranche(a, { trancheId: trancheAt(a, i), by }, NOW) })) },
  {
    weight: 6,
    arbitrary: fc.record({ i: fc.nat(), ref: fc.constantFrom('PAY-A', 'PAY-B') }).map(({ i, ref }) => ({
      name: `pay #${i} as ${ref}`,
      run: (a: AwardState) => recordPayment(a, { trancheId: trancheAt(a, i), paymentReference: ref, paidOn: '2027-02-01', by: 'finance-2' }, NOW),
    })),
  },
  bps(6_000).map((amount) => ({ name: `recover ${amount} bps`, run: (a: AwardState) => orderRecovery(a, { amountCents: share(a.grantCents, amount), dueOn: '2027-04-01', reason: 'trop-perçu', by: 'finance-1' }, NOW) })),
  fc.constantFrom(IBAN, OTHER_IBAN).map((iban) => ({ name: `bank details ${iban}`, run: (a: AwardState) => submitBankDetails(a, { iban, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW) })),
  fc.constantFrom(LEGAL_COMMITMENT, '2109876543').map((number) => ({ name: `legal commitment ${number}`, run: (a: AwardState) => recordLegalCommitment(a, { number, by: 'finance-1' }, NOW) })),
  fc.constant({ name: 'validate bank details', run: (a: AwardState) => validateBankDetails(a, { bankDetailsId: a.pendingBankDetails?.bankDetailsId ?? 'none', by: 'finance-1' }, NOW) }),
  fc.constantFrom(
    { name: 'cancel', run: (a: AwardState) => cancelAward(a, { cause: 'dossier-withdrawn', reason: 'retrait' }, NOW) },
    ...['2028-06-01T10:00:00Z', '2031-06-01T10:00:00Z'].map((instant) => ({ name: `deadlines at ${instant}`, run: (a: AwardState) => applyDeadlines(a, at(instant)) })),
  ),
);

/** A started award with validated bank details, for a grant ≤ its eligible cost (large enough to leave 2^53 behind in products). */
const startedAward = (...kinds: Array<'commune' | 'association'>) => fc
  .record({ grant: fc.integer({ min: 1, max: 2_000_000_000 }), extra: fc.nat({ max: 20_000_000_000 }), kind: fc.constantFrom(...kinds), signed: fc.boolean() })
  .map(({ grant, extra, kind, signed }) => {
    let award = must(grantAward(null, { awardId: 'award-d-1', dossier: DOSSIER, grantCents: grant, eligibleCostCents: grant + extra, beneficiaryKind: kind, notifiedAt: NOTIFIED_AT }, at(NOTIFIED_AT)));
    award = must(declareStart(award, { startedOn: '2027-01-15', by: 'applicant-1' }, NOW));
    award = must(submitBankDetails(award, { iban: IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW));
    award = must(recordLegalCommitment(award, { number: LEGAL_COMMITMENT, by: 'finance-1' }, NOW));
    if (signed) {
      const sha256 = 'c'.repeat(64);
      award = must(issueAgreement(award, { sha256 }, NOW));
      award = must(signAgreement(award, { sha256, by: 'applicant-1' }, NOW));
      award = must(countersignAgreement(award, { sha256, by: 'manager-1' }, NOW));
    }
    return must(validateBankDetails(award, { bankDetailsId: award.pendingBankDetails!.bankDetailsId, by: 'finance-1' }, NOW));
  });

const sumOf = (events: Emitted[], definition: { type: string }) => events.filter((e) => e.definition.type === definition.type).reduce((sum, e) => sum + (e.data as { amountCents: number }).amountCents, 0);

/** Throws naming the broken invariant and the steps that led there (the message is built only on failure). */
function check(holds: boolean, what: string, history: readonly string[]) {
  if (!holds) throw new Error(`${what}, after ${history.join(' → ')}`);
}

function checkBooks(award: AwardState, events: Emitted[], history: readonly string[]) {
  const paid = paidCents(award);
  const recovered = recoveredCents(award);
  check(paid <= award.grantCents, `paid ${paid} > granted ${award.grantCents}`, history);
  const paidBeforeBalance = award.tranches.filter((t) => t.status === 'paid' && t.kind !== 'balance').reduce((sum, t) => sum + t.amountCents, 0);
  check(paidBeforeBalance <= interimCapCents(award), `advance + interim paid ${paidBeforeBalance} > cap ${interimCapCents(award)}`, history);

  for (const definition of [TrancheReleased, TranchePaid]) {
    const tranches = events.filter((e) => e.definition.type === definition.type).map((e) => (e.data as { trancheId: string }).trancheId);
    check(new Set(tranches).size === tranches.length, `${definition.type} twice for one tranche (${tranches.join(', ')})`, history);
  }

  // The books: what the events published adds up to the state, to the cent.
  check(sumOf(events, TranchePaid) === paid, `tranche.paid events ${sumOf(events, TranchePaid)} ≠ paid ${paid}`, history);
  check(sumOf(events, AwardAmountReleased) === award.releasedCents, `award.amount-released events ≠ released ${award.releasedCents}`, history);
  check(sumOf(events, AwardRecoveryOrdered) === recovered, `award.recovery-ordered events ≠ recovered ${recovered}`, history);
  check(recovered <= paid, `recovered ${recovered} > paid ${paid}`, history);
  check(paid + award.releasedCents <= award.grantCents, `paid ${paid} + released ${award.releasedCents} > granted ${award.grantCents}`, history);
  if (!isOpen(award)) check(paid + award.releasedCents === award.grantCents, `closed ${award.status}: paid ${paid} + released ${award.releasedCents} ≠ granted ${award.grantCents}`, history);
  // A recovery may also be ordered after completion (conditions not met): net paid is then below what the expenses entitled to.
  if (award.status === 'completed') check(paid - recovered <= award.dueCents!, `completed: paid ${paid} − recovered ${recovered} > due ${award.dueCents}`, history);
}

describe('the award under any sequence of commands', () => {
  it('keeps paid ≤ granted, the cumulated cap, one payment per tranche, nothing paid once closed, its legal commitment fixed once released, and its books balanced to the cent', () => {
    fc.assert(
      fc.property(startedAward('commune', 'association'), fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }), (initial, steps) => {
        let award = initial;
        const events: Emitted[] = [];
        const history: string[] = [];
        for (const { name, run } of steps) {
          const wasOpen = isOpen(award);
          const decision = run(award);
          history.push(`${name}: ${decision.outcome}`);
          if (decision.outcome !== 'accepted') continue;
          const released = award.tranches.some((t) => t.releasedAt !== undefined);
          check(!released || decision.state.legalCommitment?.number === award.legalCommitment?.number, 'legal commitment changed after a release', history);
          if (!wasOpen) {
            const payments = decision.events.filter((e) => e.definition.type === TranchePaid.type || e.definition.type === TrancheReleased.type);
            check(payments.length === 0, 'released or paid on a closed award', history);
          }
          award = decision.state;
          events.push(...decision.events);
          checkBooks(award, events, history);
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('pays the whole grant at most, to the cent, on a complete run: advance, interim payments up to the cap, balance on any actual expenses', () => {
    fc.assert(
      fc.property(startedAward('commune'), fc.nat({ max: 40_000_000_000 }), (initial, actual) => {
        let award = initial;
        const events: Emitted[] = [];
        const apply = (decision: AwardDecision) => {
          award = must(decision);
          events.push(...(decision.outcome === 'accepted' ? decision.events : []));
        };
        const payNext = () => {
          const trancheId = award.tranches.at(-1)!.trancheId;
          apply(validateTranche(award, { trancheId, by: 'finance-1' }, NOW));
          if (!isOpen(award)) return;
          apply(releaseTranche(award, { trancheId, by: 'finance-2' }, NOW));
          apply(recordPayment(award, { trancheId, paymentReference: 'PAY', paidOn: '2027-02-01', by: 'finance-2' }, NOW));
        };
        if (award.grantCents >= 4) {
          apply(requestAdvance(award, { by: 'applicant-1' }, NOW));
          payNext();
          const room = interimCapCents(award) - paidCents(award);
          if (room > 0) {
            apply(requestInterim(award, { amountCents: room, expenses: [{ supplier: 'S', date: '2027-01-20', amountCents: award.eligibleCostCents, category: 'c' }], by: 'applicant-1' }, NOW));
            payNext();
          }
        }
        apply(requestBalance(award, { actualEligibleExpensesCents: actual, by: 'applicant-1' }, NOW));
        payNext();
        expect(award.status).toBe('completed');
        checkBooks(award, events, [`complete run on ${actual}`]);
        expect(paidCents(award) - recoveredCents(award)).toBe(award.dueCents);
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
