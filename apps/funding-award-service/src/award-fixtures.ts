import type { ApplicantKind } from '@aap/contracts';
import { grantAward, type AwardDecision, type AwardState, type CallPaymentSchedule } from './awards/award';
import { declareStart } from './execution/execution';
import { submitBankDetails, validateBankDetails } from './bank-details/bank-details';
import { recordPayment, releaseTranche, requestAdvance, validateTranche } from './tranches/tranche';

/** Fixtures of the award's unit specs (imported by tests only). */

export const NOTIFIED_AT = '2027-01-10T09:00:00.000Z';
export const NOW = new Date('2027-02-01T10:00:00.000Z');
export const at = (iso: string) => new Date(iso);
/** A valid French IBAN and BIC (the IBAN of the ISO 13616 examples). */
export const IBAN = 'FR76 3000 6000 0112 3456 7890 189';
export const OTHER_IBAN = 'FR14 2004 1010 0505 0001 3M02 606';
export const BIC = 'BNPAFRPPXXX';
export const HOLDER = 'Commune de Lyon';

export const DOSSIER = { dossierId: 'd-1', number: 'AAP-2027-000001', callId: 'call-1', waveId: 'vague-1', organisationId: '216901231' };

/** The accepted state of a decision, or a failed test naming what refused it. */
export function must(decision: AwardDecision): AwardState {
  if (decision.outcome !== 'accepted') throw new Error(`expected an accepted decision, got ${JSON.stringify(decision)}`);
  return decision.state;
}

/** A stored award as the command handler keeps it: the state with a version. */
const stored = (state: AwardState): AwardState => ({ ...state, version: state.version + 1 });

export function grantedAward(options: { grantCents?: number; eligibleCostCents?: number; kind?: ApplicantKind | null; callSchedule?: CallPaymentSchedule } = {}): AwardState {
  const kind = options.kind === null ? undefined : (options.kind ?? 'commune');
  return stored(
    must(
      grantAward(
        null,
        {
          awardId: 'award-d-1',
          dossier: DOSSIER,
          grantCents: options.grantCents ?? 2_000_000,
          eligibleCostCents: options.eligibleCostCents ?? 4_000_000,
          ...(kind ? { beneficiaryKind: kind } : {}),
          ...(options.callSchedule ? { callSchedule: options.callSchedule } : {}),
          notifiedAt: NOTIFIED_AT,
        },
        at(NOTIFIED_AT),
      ),
    ),
  );
}

/** Started on 2027-01-15, with validated bank details: ready to be paid. */
export function awardInExecution(options: Parameters<typeof grantedAward>[0] = {}): AwardState {
  let award = grantedAward(options);
  award = must(declareStart(award, { startedOn: '2027-01-15', by: 'applicant-1' }, NOW));
  award = must(submitBankDetails(award, { iban: IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW));
  return must(validateBankDetails(award, { bankDetailsId: award.pendingBankDetails!.bankDetailsId, by: 'finance-1' }, NOW));
}

/** A tranche taken through validation (finance-1), release (finance-2) and payment. */
export function paid(award: AwardState, trancheId: string, paymentReference = `PAY-${trancheId}`): AwardState {
  award = must(validateTranche(award, { trancheId, by: 'finance-1' }, NOW));
  award = must(releaseTranche(award, { trancheId, by: 'finance-2' }, NOW));
  return must(recordPayment(award, { trancheId, paymentReference, paidOn: '2027-02-01', by: 'finance-2' }, NOW));
}

/** In execution with its whole advance (30 %) paid. */
export const awardWithPaidAdvance = (options: Parameters<typeof grantedAward>[0] = {}): AwardState =>
  paid(must(requestAdvance(awardInExecution(options), { by: 'applicant-1' }, NOW)), 'award-d-1-T1');
