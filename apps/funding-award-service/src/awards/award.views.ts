import { z } from 'zod';
import { awardBeneficiary, awardFunding, awardProject, awardSchedule, TRANCHE_KINDS } from '@aap/contracts';
import { AWARD_STATUSES, TRANCHE_STATUSES, advanceCapCents, effectiveRateBps, interimCapCents, maskIban, outstandingCents, paidCents, recoveredCents, type AwardState, type BankDetails } from './award';

const bankDetailsView = z.object({ bankDetailsId: z.string(), iban: z.string().describe('masked: country, check digits, last four characters'), bic: z.string(), holder: z.string(), submittedAt: z.string(), validatedAt: z.string().optional() });

/** One award as finance, its programme manager and its beneficiary read it: amounts in cents, IBANs masked. */
export const awardView = z.object({
  awardId: z.string(),
  dossierId: z.string(),
  number: z.string(),
  callId: z.string(),
  waveId: z.string(),
  organisationId: z.string(),
  status: z.enum(AWARD_STATUSES),
  grantCents: z.number().int(),
  eligibleCostCents: z.number().int(),
  /** The exact rate is grantCents ÷ eligibleCostCents; this is it in basis points, rounded down. */
  effectiveRateBps: z.number().int(),
  schedule: awardSchedule,
  beneficiary: awardBeneficiary.optional(),
  project: awardProject.optional(),
  funding: awardFunding.optional().describe('The call granted on, and the State budget programme line paid on'),
  legalCommitment: z.object({ number: z.string(), recordedAt: z.string() }).optional().describe('The legal commitment (engagement juridique) in Chorus; every release requires it'),
  advanceCapCents: z.number().int(),
  interimCapCents: z.number().int(),
  paidCents: z.number().int(),
  releasedCents: z.number().int(),
  recoveredCents: z.number().int(),
  outstandingCents: z.number().int(),
  notifiedAt: z.string(),
  startDeadline: z.string(),
  startedOn: z.string().optional(),
  completionDeadline: z.string().optional(),
  agreement: z.object({ sha256: z.string(), issuedAt: z.string(), signedAt: z.string().optional(), countersignedAt: z.string().optional() }).optional(),
  bankDetails: bankDetailsView.optional(),
  pendingBankDetails: bankDetailsView.optional(),
  tranches: z.array(
    z.object({
      trancheId: z.string(),
      kind: z.enum(TRANCHE_KINDS),
      status: z.enum(TRANCHE_STATUSES),
      amountCents: z.number().int(),
      expensesCents: z.number().int().optional(),
      retainedExpensesCents: z.number().int().optional().describe('Balance: the actual expenses finance retained (at most those declared), the balance is computed on'),
      requestedAt: z.string(),
      validatedAt: z.string().optional(),
      refusalReason: z.string().optional(),
      releasedAt: z.string().optional(),
      paymentReference: z.string().optional(),
      paidOn: z.string().optional(),
    }),
  ),
  recoveries: z.array(z.object({ recoveryId: z.string(), amountCents: z.number().int(), dueOn: z.string(), reason: z.string(), orderedAt: z.string() })),
  closedAt: z.string().optional(),
});
export type AwardView = z.infer<typeof awardView>;

const bankDetailsOf = (bank: BankDetails | undefined) =>
  bank && { bankDetailsId: bank.bankDetailsId, iban: maskIban(bank.iban), bic: bank.bic, holder: bank.holder, submittedAt: bank.submittedAt, ...(bank.validatedAt ? { validatedAt: bank.validatedAt } : {}) };

export function toView(award: AwardState): AwardView {
  return awardView.parse({
    ...award,
    effectiveRateBps: effectiveRateBps(award.grantCents, award.eligibleCostCents),
    advanceCapCents: advanceCapCents(award),
    interimCapCents: interimCapCents(award),
    paidCents: paidCents(award),
    recoveredCents: recoveredCents(award),
    outstandingCents: outstandingCents(award),
    bankDetails: bankDetailsOf(award.bankDetails),
    pendingBankDetails: bankDetailsOf(award.pendingBankDetails),
  });
}
