import {
  accepted,
  emit,
  refused,
  wrongStatus,
  AwardBankDetailsRefused,
  AwardBankDetailsSubmitted,
  AwardBankDetailsValidated,
  type Violation,
} from '@aap/contracts';
import { isValidBIC, isValidIBAN } from 'ibantools';
import { factOf, maskIban, normaliseIban, violation, whileOpen, type AwardDecision, type AwardState, type BankDetails } from '../awards/award';

/**
 * The beneficiary's bank details, pure. A submission waits for a finance officer: until it is
 * validated, payments keep going to the bank details validated before (none before the first), and no
 * tranche is released while a change waits — the classic bank-detail fraud is a changed IBAN slipped
 * in before a payment.
 */

/**
 * ISO 13616, by ibantools (the country's length and format from the IBAN registry, the mod-97 check
 * digits): spaces and case do not matter.
 */
export const ibanValid = (iban: string): boolean => isValidIBAN(normaliseIban(iban));

/** A BIC (ISO 9362, by ibantools): bank, a known country, location, optional branch. */
export const bicValid = (bic: string): boolean => isValidBIC(bic.trim().toUpperCase());

function bankDetailsViolations(iban: string, bic: string, holder: string): Violation[] {
  const violations: Violation[] = [];
  if (!ibanValid(iban)) violations.push(violation('iban', 'not a valid IBAN (ISO 13616: country, check digits, account; checksum modulo 97)', '#/iban'));
  if (!bicValid(bic)) violations.push(violation('bic', 'not a valid BIC (ISO 9362: 8 or 11 characters)', '#/bic'));
  if (!holder) violations.push(violation('holder', 'name the account holder as on the bank certificate (RIB)', '#/holder'));
  return violations;
}

/** The beneficiary submits bank details (a first set, or a change): they wait for a finance officer; the same ones again change nothing. */
export function submitBankDetails(award: AwardState, command: { iban: string; bic: string; holder: string; ribAttachmentId?: string; by: string }, now: Date): AwardDecision {
  return whileOpen(award, 'given bank details', () => {
    const holder = command.holder.trim();
    const violations = bankDetailsViolations(command.iban, command.bic, holder);
    if (violations.length) return refused(violations);
    const iban = normaliseIban(command.iban);
    const bic = command.bic.trim().toUpperCase();
    const pending = award.pendingBankDetails;
    if (pending && pending.iban === iban && pending.bic === bic && pending.holder === holder && pending.ribAttachmentId === command.ribAttachmentId) return accepted(award);
    const submitted: BankDetails = {
      bankDetailsId: `${award.awardId}-B${award.bankDetailsSubmitted + 1}`,
      iban,
      bic,
      holder,
      ...(command.ribAttachmentId ? { ribAttachmentId: command.ribAttachmentId } : {}),
      submittedBy: command.by,
      submittedAt: now.toISOString(),
    };
    return accepted(
      { ...award, pendingBankDetails: submitted, bankDetailsSubmitted: award.bankDetailsSubmitted + 1 },
      emit(AwardBankDetailsSubmitted, { ...factOf(award, now), bankDetailsId: submitted.bankDetailsId, iban: maskIban(iban), bic, submittedBy: command.by }),
    );
  });
}

function onPending(award: AwardState, bankDetailsId: string, action: string, then: (pending: BankDetails) => AwardDecision): AwardDecision {
  return whileOpen(award, `${action} bank details`, () => {
    const pending = award.pendingBankDetails;
    if (pending?.bankDetailsId === bankDetailsId) return then(pending);
    if (award.bankDetails?.bankDetailsId === bankDetailsId) return wrongStatus('validated', `bank details ${bankDetailsId} are already validated`);
    return wrongStatus('not-pending', `bank details ${bankDetailsId} do not wait for validation (the one waiting: ${pending?.bankDetailsId ?? 'none'})`);
  });
}

/** A finance officer validates the waiting bank details: payments go to them from now on. */
export function validateBankDetails(award: AwardState, command: { bankDetailsId: string; by: string }, now: Date): AwardDecision {
  if (award.bankDetails?.bankDetailsId === command.bankDetailsId && award.bankDetails.validatedBy === command.by) return accepted(award);
  return onPending(award, command.bankDetailsId, 'validate', (pending) => {
    const validated: BankDetails = { ...pending, validatedBy: command.by, validatedAt: now.toISOString() };
    const { pendingBankDetails: _pending, ...rest } = award;
    return accepted(
      { ...rest, bankDetails: validated },
      emit(AwardBankDetailsValidated, { ...factOf(award, now), bankDetailsId: validated.bankDetailsId, iban: maskIban(validated.iban), validatedBy: command.by }),
    );
  });
}

/** A finance officer refuses the waiting bank details with a reason; the ones validated before stay in use. */
export function refuseBankDetails(award: AwardState, command: { bankDetailsId: string; reason: string; by: string }, now: Date): AwardDecision {
  return onPending(award, command.bankDetailsId, 'refuse', (pending) => {
    const reason = command.reason.trim();
    if (!reason) return refused([violation('reason-required', 'say why the bank details are refused', '#/reason')]);
    const { pendingBankDetails: _pending, ...rest } = award;
    return accepted(rest, emit(AwardBankDetailsRefused, { ...factOf(award, now), bankDetailsId: pending.bankDetailsId, reason, refusedBy: command.by }));
  });
}
