import { describe, expect, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { AwardAmountReleased, AwardCompleted, AwardRecoveryOrdered, TranchePaid, TrancheRefused, TrancheReleased, TrancheRequested, TrancheValidated } from '@aap/contracts';
import { cancelAward, type ExpenseLine } from '../awards/award';
import { NOW, OTHER_IBAN, BIC, HOLDER, LEGAL_COMMITMENT, awardInExecution, awardWithPaidAdvance, grantedAward, must, paid } from '../award-fixtures';
import { recordLegalCommitment } from '../legal-commitment/legal-commitment';
import { submitBankDetails } from '../bank-details/bank-details';
import { countersignAgreement, issueAgreement, signAgreement } from '../agreements/agreement';
import { orderRecovery, recordPayment, refuseTranche, releaseTranche, requestAdvance, requestBalance, requestInterim, validateTranche } from './tranche';

// The fixture award: grant 20 000 € on an eligible cost of 40 000 € (rate 1/2), 30 % advance, 80 % cumulated.
const expenses = (...amounts: number[]): ExpenseLine[] => amounts.map((amountCents, i) => ({ supplier: `Fournisseur ${i + 1}`, date: '2027-01-20', amountCents, category: 'equipment' }));
const T = (n: number) => `award-d-1-T${n}`;

describe('requestAdvance', () => {
  const spec = decider(requestAdvance);

  it('given the declared start, when the advance is asked without an amount, then the whole 30 % is requested', () => {
    spec
      .given(awardInExecution())
      .when({ by: 'applicant-1' }, NOW)
      .then({ definition: TrancheRequested, data: { trancheId: T(1), kind: 'advance', amountCents: 600_000, requestedBy: 'applicant-1', awardId: 'award-d-1', dossierId: 'd-1', number: 'AAP-2027-000001' } })
      .thenState({ tranches: [{ trancheId: T(1), status: 'requested', amountCents: 600_000 }] });
  });

  it('given the declared start, when more than 30 % is asked, then advance-cap refuses it', () => {
    spec.given(awardInExecution()).when({ amountCents: 600_001, by: 'applicant-1' }, NOW).thenRefused('advance-cap');
  });

  it('given an award whose start is not declared, when the advance is asked, then execution-started refuses it', () => {
    spec.given(grantedAward()).when({ by: 'applicant-1' }, NOW).thenRefused('execution-started');
  });

  it('given an advance already asked, when another is asked, then single-advance refuses it (and the cumulated cap still holds)', () => {
    const award = must(requestAdvance(awardInExecution(), { amountCents: 100_000, by: 'applicant-1' }, NOW));
    spec.given(award).when({ amountCents: 100_000, by: 'applicant-1' }, NOW).thenRefused('single-advance');
  });

  it('given a refused advance, when asked again, then it may be', () => {
    let award = must(requestAdvance(awardInExecution(), { by: 'applicant-1' }, NOW));
    award = must(refuseTranche(award, { trancheId: T(1), reason: 'Début non justifié', by: 'finance-1' }, NOW));
    spec.given(award).when({ by: 'applicant-1' }, NOW).then({ definition: TrancheRequested, data: { trancheId: T(2) } });
  });

  it('given a cancelled award, when the advance is asked, then its status forbids it', () => {
    spec.given(must(cancelAward(awardInExecution(), { cause: 'manual', reason: 'Erreur' }, NOW))).when({ by: 'applicant-1' }, NOW).thenWrongStatus('cancelled');
  });
});

describe('requestInterim', () => {
  const spec = decider(requestInterim);

  it('given the advance paid and 20 000 € of expenses stated, when 4 000 € is asked, then it is requested with its statement', () => {
    spec
      .given(awardWithPaidAdvance())
      .when({ amountCents: 400_000, expenses: expenses(1_200_000, 800_000), by: 'applicant-1' }, NOW)
      .then({ definition: TrancheRequested, data: { trancheId: T(2), kind: 'interim', amountCents: 400_000, expensesCents: 2_000_000 } })
      .thenState({ tranches: [{ status: 'paid' }, { status: 'requested', expenseLines: expenses(1_200_000, 800_000) }] });
  });

  it('given the advance paid, when more than the expenses justify is asked, then interim-within-expenses refuses it', () => {
    // 20 000 € of expenses justify 10 000 € at the rate; 6 000 € of advance + 4 000,01 € > 10 000 €.
    spec.given(awardWithPaidAdvance()).when({ amountCents: 400_001, expenses: expenses(2_000_000), by: 'applicant-1' }, NOW).thenRefused('interim-within-expenses');
  });

  it('given the advance paid, when the advance and interim payments would pass 80 % of the grant, then interim-cap refuses it', () => {
    // Cap 16 000 €; 6 000 € advance + 10 000,01 € > cap, although 40 000 € of expenses justify 20 000 €.
    spec.given(awardWithPaidAdvance()).when({ amountCents: 1_000_001, expenses: expenses(4_000_000), by: 'applicant-1' }, NOW).thenRefused('interim-cap');
  });

  it('given exactly 80 %, when asked, then it fits', () => {
    spec.given(awardWithPaidAdvance()).when({ amountCents: 1_000_000, expenses: expenses(4_000_000), by: 'applicant-1' }, NOW).then(TrancheRequested);
  });

  it('given interim payments asked before, when another is asked, then the cap counts them too, requested or paid', () => {
    const award = must(requestInterim(awardWithPaidAdvance(), { amountCents: 800_000, expenses: expenses(2_800_000), by: 'applicant-1' }, NOW));
    spec.given(award).when({ amountCents: 200_001, expenses: expenses(1_000_000), by: 'applicant-1' }, NOW).thenRefused('interim-cap');
    spec.given(award).when({ amountCents: 200_000, expenses: expenses(1_000_000), by: 'applicant-1' }, NOW).then(TrancheRequested);
  });

  it('given a project planned over 60 months, when interim payments reach 90 %, then they fit', () => {
    const award = awardWithPaidAdvance({ callSchedule: { advanceBps: 3_000, interimCapBps: 8_000, completionWithinMonths: 60 } });
    spec.given(award).when({ amountCents: 1_200_000, expenses: expenses(4_000_000), by: 'applicant-1' }, NOW).then(TrancheRequested);
    spec.given(award).when({ amountCents: 1_200_001, expenses: expenses(4_000_000), by: 'applicant-1' }, NOW).thenRefused('interim-cap');
  });

  it('given no expense line and a negative line, when asked, then each is named', () => {
    spec.given(awardInExecution()).when({ amountCents: 100, expenses: [], by: 'applicant-1' }, NOW).thenRefused('expenses-required');
    spec.given(awardInExecution()).when({ amountCents: 100, expenses: expenses(-5), by: 'applicant-1' }, NOW).thenRefused('amount-positive');
  });

  it('given the balance asked, when an interim payment is asked, then balance-requested refuses it', () => {
    const award = must(requestBalance(awardWithPaidAdvance(), { actualEligibleExpensesCents: 4_000_000, by: 'applicant-1' }, NOW));
    spec.given(award).when({ amountCents: 100, expenses: expenses(1_000), by: 'applicant-1' }, NOW).thenRefused('balance-requested');
  });
});

describe('validateTranche and refuseTranche', () => {
  const validate = decider(validateTranche);
  const refuse = decider(refuseTranche);
  const withAdvance = () => must(requestAdvance(awardInExecution(), { by: 'applicant-1' }, NOW));

  it('given a requested tranche, when a finance officer validates it, then it waits for its release', () => {
    validate
      .given(withAdvance())
      .when({ trancheId: T(1), by: 'finance-1' }, NOW)
      .then({ definition: TrancheValidated, data: { trancheId: T(1), amountCents: 600_000, validatedBy: 'finance-1' } })
      .thenState({ tranches: [{ status: 'validated', validatedBy: 'finance-1' }] });
  });

  it('given a tranche validated by this officer, when validated again, then nothing happens; by another, then its status forbids it', () => {
    const award = must(validateTranche(withAdvance(), { trancheId: T(1), by: 'finance-1' }, NOW));
    validate.given(award).when({ trancheId: T(1), by: 'finance-1' }, NOW).thenNothingHappens();
    validate.given(award).when({ trancheId: T(1), by: 'finance-3' }, NOW).thenWrongStatus('validated');
  });

  it('given no such tranche, when validated, then tranche-exists', () => {
    validate.given(withAdvance()).when({ trancheId: T(9), by: 'finance-1' }, NOW).thenRefused('tranche-exists');
  });

  it('given a requested tranche, when refused with a reason, then it no longer counts', () => {
    refuse
      .given(withAdvance())
      .when({ trancheId: T(1), reason: 'Pièces manquantes', by: 'finance-1' }, NOW)
      .then({ definition: TrancheRefused, data: { reason: 'Pièces manquantes', refusedBy: 'finance-1' } })
      .thenState({ tranches: [{ status: 'refused', refusalReason: 'Pièces manquantes' }] });
    refuse.given(withAdvance()).when({ trancheId: T(1), reason: ' ', by: 'finance-1' }, NOW).thenRefused('reason-required');
  });

  it('given a released tranche, when refused, then its status forbids it', () => {
    let award = must(validateTranche(withAdvance(), { trancheId: T(1), by: 'finance-1' }, NOW));
    award = must(releaseTranche(award, { trancheId: T(1), by: 'finance-2' }, NOW));
    refuse.given(award).when({ trancheId: T(1), reason: 'Trop tard', by: 'finance-1' }, NOW).thenWrongStatus('released');
  });
});

describe('releaseTranche', () => {
  const spec = decider(releaseTranche);
  const validated = (award = awardInExecution()) => must(validateTranche(must(requestAdvance(award, { by: 'applicant-1' }, NOW)), { trancheId: T(1), by: 'finance-1' }, NOW));

  it('given a validated tranche, when another finance officer releases it, then it goes to the validated bank details, masked in the event', () => {
    spec
      .given(validated())
      .when({ trancheId: T(1), by: 'finance-2' }, NOW)
      .then({ definition: TrancheReleased, data: { amountCents: 600_000, releasedBy: 'finance-2', bankDetailsId: 'award-d-1-B1', iban: 'FR76 **** 0189' } })
      .thenState({ tranches: [{ status: 'released', bankDetailsId: 'award-d-1-B1' }] });
  });

  it('given a validated tranche, when its validator releases it, then four-eyes refuses it', () => {
    spec.given(validated()).when({ trancheId: T(1), by: 'finance-1' }, NOW).thenRefused('four-eyes');
  });

  it('given a released tranche, when released again (a retry or a concurrent click), then nothing happens', () => {
    const released = must(releaseTranche(validated(), { trancheId: T(1), by: 'finance-2' }, NOW));
    spec.given(released).when({ trancheId: T(1), by: 'finance-2' }, NOW).thenNothingHappens();
    spec.given(released).when({ trancheId: T(1), by: 'finance-3' }, NOW).thenNothingHappens();
  });

  it('given a change of bank details waiting, when released, then bank-details-pending refuses it', () => {
    const award = must(submitBankDetails(validated(), { iban: OTHER_IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW));
    spec.given(award).when({ trancheId: T(1), by: 'finance-2' }, NOW).thenRefused('bank-details-pending');
  });

  it('given no legal commitment recorded, when released, then legal-commitment-recorded refuses it; once finance records it, it goes', () => {
    const award = validated(awardInExecution({ legalCommitment: false }));
    spec.given(award).when({ trancheId: T(1), by: 'finance-2' }, NOW).thenRefused('legal-commitment-recorded');
    const recorded = must(recordLegalCommitment(award, { number: LEGAL_COMMITMENT, by: 'finance-3' }, NOW));
    spec.given(recorded).when({ trancheId: T(1), by: 'finance-2' }, NOW).then(TrancheReleased);
  });

  it('given no validated bank details, when released, then bank-details-validated refuses it', () => {
    const { bankDetails: _bank, ...award } = validated();
    spec.given(award).when({ trancheId: T(1), by: 'finance-2' }, NOW).thenRefused('bank-details-validated');
  });

  it('given an association granted 30 000 € without a countersigned agreement, when released, then agreement-signed refuses it; once countersigned, it goes', () => {
    const association = validated(awardInExecution({ kind: 'association', grantCents: 3_000_000, eligibleCostCents: 6_000_000 }));
    spec.given(association).when({ trancheId: T(1), by: 'finance-2' }, NOW).thenRefused('agreement-signed');
    const sha256 = 'a'.repeat(64);
    let signed = must(issueAgreement(association, { sha256 }, NOW));
    signed = must(signAgreement(signed, { sha256, by: 'applicant-1' }, NOW));
    spec.given(signed).when({ trancheId: T(1), by: 'finance-2' }, NOW).thenRefused('agreement-signed');
    signed = must(countersignAgreement(signed, { sha256, by: 'manager-1' }, NOW));
    spec.given(signed).when({ trancheId: T(1), by: 'finance-2' }, NOW).then(TrancheReleased);
  });

  it('given the validator, a pending change and no agreement, when released, then every broken rule is named', () => {
    const award = must(submitBankDetails(validated(awardInExecution({ kind: 'association', grantCents: 3_000_000, eligibleCostCents: 6_000_000 })), { iban: OTHER_IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW));
    spec.given(award).when({ trancheId: T(1), by: 'finance-1' }, NOW).thenRefused('four-eyes', 'bank-details-pending', 'agreement-signed');
  });

  it('given a cancelled award, when a tranche is released, then nothing is paid on it', () => {
    spec.given(must(cancelAward(validated(), { cause: 'dossier-withdrawn', reason: 'Retrait' }, NOW))).when({ trancheId: T(1), by: 'finance-2' }, NOW).thenWrongStatus('cancelled');
  });
});

describe('recordPayment', () => {
  const spec = decider(recordPayment);
  const released = () => {
    const award = must(validateTranche(must(requestAdvance(awardInExecution(), { by: 'applicant-1' }, NOW)), { trancheId: T(1), by: 'finance-1' }, NOW));
    return must(releaseTranche(award, { trancheId: T(1), by: 'finance-2' }, NOW));
  };
  const payment = { trancheId: T(1), paymentReference: 'CHORUS-1', paidOn: '2027-02-01', by: 'finance-2' };

  it('given a released tranche, when its payment is recorded, then it is paid with its reference and date', () => {
    spec
      .given(released())
      .when(payment, NOW)
      .then({ definition: TranchePaid, data: { amountCents: 600_000, paymentReference: 'CHORUS-1', paidOn: '2027-02-01' } })
      .thenState({ tranches: [{ status: 'paid', paymentReference: 'CHORUS-1' }] });
  });

  it('given a paid tranche, when the same payment is recorded again, then nothing happens; another payment, then paid-once refuses it', () => {
    const paidOnce = must(recordPayment(released(), payment, NOW));
    spec.given(paidOnce).when(payment, NOW).thenNothingHappens();
    spec.given(paidOnce).when({ ...payment, paymentReference: 'CHORUS-2' }, NOW).thenRefused('paid-once');
  });

  it('given a validated tranche not released, when a payment is recorded, then its status forbids it', () => {
    const award = must(validateTranche(must(requestAdvance(awardInExecution(), { by: 'applicant-1' }, NOW)), { trancheId: T(1), by: 'finance-1' }, NOW));
    spec.given(award).when(payment, NOW).thenWrongStatus('validated');
  });

  it('given a released tranche of an award cancelled since, when its payment is recorded, then nothing is paid on it', () => {
    spec.given(must(cancelAward(released(), { cause: 'renounced', reason: 'Renonciation' }, NOW))).when(payment, NOW).thenWrongStatus('cancelled');
  });
});

describe('the balance', () => {
  const balance = decider(requestBalance);
  const validate = decider(validateTranche);
  const pay = decider(recordPayment);

  /** Advance 6 000 € and an interim payment of 4 000 € paid: 10 000 € of the 20 000 € grant. */
  const halfPaid = () => paid(must(requestInterim(awardWithPaidAdvance(), { amountCents: 400_000, expenses: expenses(2_000_000), by: 'applicant-1' }, NOW)), T(2));

  it('given every tranche paid, when the final report states the whole cost, then the balance is the rest of the grant; paid, the award completes', () => {
    const asked = balance
      .given(halfPaid())
      .when({ actualEligibleExpensesCents: 4_000_000, by: 'applicant-1' }, NOW)
      .then({ definition: TrancheRequested, data: { trancheId: T(3), kind: 'balance', amountCents: 1_000_000, expensesCents: 4_000_000 } }).decision;
    const validated = must(validate.given(must(asked)).when({ trancheId: T(3), by: 'finance-1' }, NOW).then({ definition: TrancheValidated, data: { amountCents: 1_000_000 } }).decision);
    const released = must(releaseTranche(validated, { trancheId: T(3), by: 'finance-2' }, NOW));
    pay
      .given(released)
      .when({ trancheId: T(3), paymentReference: 'CHORUS-3', paidOn: '2027-06-01', by: 'finance-2' }, NOW)
      .then(TranchePaid, { definition: AwardCompleted, data: { dueCents: 2_000_000, paidCents: 2_000_000, recoveredCents: 0 } })
      .thenState({ status: 'completed', dueCents: 2_000_000, releasedCents: 0 });
  });

  it('given lower actual expenses, when the balance is paid, then it is smaller and the rest of the grant is released', () => {
    // 30 000 € of actual expenses × 1/2 = 15 000 € due; 10 000 € paid → a 5 000 € balance, 5 000 € released.
    const asked = must(requestBalance(halfPaid(), { actualEligibleExpensesCents: 3_000_000, by: 'applicant-1' }, NOW));
    const released = must(releaseTranche(must(validateTranche(asked, { trancheId: T(3), by: 'finance-1' }, NOW)), { trancheId: T(3), by: 'finance-2' }, NOW));
    pay
      .given(released)
      .when({ trancheId: T(3), paymentReference: 'CHORUS-3', paidOn: '2027-06-01', by: 'finance-2' }, NOW)
      .then({ definition: TranchePaid, data: { amountCents: 500_000 } }, { definition: AwardCompleted, data: { dueCents: 1_500_000, paidCents: 1_500_000 } }, { definition: AwardAmountReleased, data: { amountCents: 500_000, cause: 'completion' } })
      .thenState({ status: 'completed', releasedCents: 500_000 });
  });

  it('given expenses retained below those declared, when validated, then the balance is computed on the retained ones', () => {
    const asked = must(requestBalance(halfPaid(), { actualEligibleExpensesCents: 4_000_000, by: 'applicant-1' }, NOW));
    validate.given(asked).when({ trancheId: T(3), by: 'finance-1', retainedExpensesCents: 3_000_000 }, NOW).then({ definition: TrancheValidated, data: { amountCents: 500_000 } });
    validate.given(asked).when({ trancheId: T(3), by: 'finance-1', retainedExpensesCents: 4_000_001 }, NOW).thenRefused('retained-within-declared');
  });

  it('given actual expenses that justify less than was paid, when validated, then a recovery order asks the difference back and the award completes', () => {
    // 12 000 € of actual expenses × 1/2 = 6 000 € due; 10 000 € paid → 4 000 € to recover, 10 000 € of the grant released.
    const asked = must(requestBalance(halfPaid(), { actualEligibleExpensesCents: 1_200_000, by: 'applicant-1' }, NOW));
    expect(asked.tranches[2]).toMatchObject({ kind: 'balance', amountCents: 0 });
    validate
      .given(asked)
      .when({ trancheId: T(3), by: 'finance-1' }, NOW)
      .then(
        { definition: TrancheValidated, data: { amountCents: 0 } },
        { definition: AwardRecoveryOrdered, data: { recoveryId: 'award-d-1-R1', amountCents: 400_000, dueOn: '2027-03-03' } },
        { definition: AwardCompleted, data: { dueCents: 600_000, paidCents: 1_000_000, recoveredCents: 400_000 } },
        { definition: AwardAmountReleased, data: { amountCents: 1_000_000, cause: 'completion' } },
      )
      .thenState({ status: 'completed', tranches: [{}, {}, { status: 'settled' }], recoveries: [{ amountCents: 400_000 }] });
  });

  it('given part of what was paid already ordered back, when the balance shows an overpayment, then only the rest is ordered back', () => {
    // 10 000 € paid, 3 000 € already ordered back; 12 000 € of expenses → 6 000 € due → 1 000 € more to recover.
    const recovered = must(orderRecovery(halfPaid(), { amountCents: 300_000, dueOn: '2027-04-01', reason: 'Dépense inéligible', by: 'finance-1' }, NOW));
    const asked = must(requestBalance(recovered, { actualEligibleExpensesCents: 1_200_000, by: 'applicant-1' }, NOW));
    validate
      .given(asked)
      .when({ trancheId: T(3), by: 'finance-1' }, NOW)
      .then(TrancheValidated, { definition: AwardRecoveryOrdered, data: { recoveryId: 'award-d-1-R2', amountCents: 100_000 } }, { definition: AwardCompleted, data: { recoveredCents: 400_000 } }, AwardAmountReleased);
  });

  it('given a tranche still open, when the balance is asked, then tranches-settled names it', () => {
    const award = must(requestInterim(awardWithPaidAdvance(), { amountCents: 100_000, expenses: expenses(3_000_000), by: 'applicant-1' }, NOW));
    balance.given(award).when({ actualEligibleExpensesCents: 4_000_000, by: 'applicant-1' }, NOW).thenRefused('tranches-settled');
  });

  it('given a balance asked and still open, when asked again, then balance-requested and tranches-settled refuse it', () => {
    const award = must(requestBalance(halfPaid(), { actualEligibleExpensesCents: 4_000_000, by: 'applicant-1' }, NOW));
    balance.given(award).when({ actualEligibleExpensesCents: 4_000_000, by: 'applicant-1' }, NOW).thenRefused('balance-requested', 'tranches-settled');
  });
});

describe('orderRecovery', () => {
  const spec = decider(orderRecovery);

  it('given a paid advance, when a recovery is ordered, then it names its amount and due date; more than was paid is refused', () => {
    const award = awardWithPaidAdvance();
    spec
      .given(award)
      .when({ amountCents: 600_000, dueOn: '2027-04-01', reason: 'Projet abandonné', by: 'finance-1' }, NOW)
      .then({ definition: AwardRecoveryOrdered, data: { recoveryId: 'award-d-1-R1', amountCents: 600_000, dueOn: '2027-04-01', reason: 'Projet abandonné' } });
    spec.given(award).when({ amountCents: 600_001, dueOn: '2027-04-01', reason: 'Projet abandonné', by: 'finance-1' }, NOW).thenRefused('recovery-within-paid');
  });

  it('given a recovery already ordered, when another is ordered, then only what was not asked back yet can be', () => {
    const award = must(orderRecovery(awardWithPaidAdvance(), { amountCents: 500_000, dueOn: '2027-04-01', reason: 'Trop-perçu', by: 'finance-1' }, NOW));
    spec.given(award).when({ amountCents: 100_001, dueOn: '2027-04-01', reason: 'Trop-perçu', by: 'finance-1' }, NOW).thenRefused('recovery-within-paid');
    spec.given(award).when({ amountCents: 100_000, dueOn: '2027-04-01', reason: 'Trop-perçu', by: 'finance-1' }, NOW).then(AwardRecoveryOrdered);
  });
});
