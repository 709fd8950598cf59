import { describe, expect, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { AwardBankDetailsRefused, AwardBankDetailsSubmitted, AwardBankDetailsValidated } from '@aap/contracts';
import { cancelAward, maskIban } from '../awards/award';
import { BIC, HOLDER, IBAN, NOW, OTHER_IBAN, awardInExecution, grantedAward, must } from '../award-fixtures';
import { bicValid, ibanValid, refuseBankDetails, submitBankDetails, validateBankDetails } from './bank-details';

describe('IBAN and BIC', () => {
  it('given ISO 13616 examples, when checked, then valid ones pass with or without spaces and a changed digit fails the checksum', () => {
    expect(ibanValid(IBAN)).toBe(true);
    expect(ibanValid(OTHER_IBAN.toLowerCase())).toBe(true);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('FR76 3000 6000 0112 3456 7890 188')).toBe(false);
    expect(ibanValid('FR76')).toBe(false);
    expect(ibanValid('76FR30006000011234567890189')).toBe(false);
  });

  it('given IBANs whose mod-97 checksum holds, when the country is unknown or the length is not its own, then ibantools refuses them', () => {
    expect(ibanValid('FR13 3000 6000 0112 3456 7890 18')).toBe(false); // 26 characters: a French IBAN has 27
    expect(ibanValid('XX27 3000 6000 0112 3456 7890 18')).toBe(false);
  });

  it('given BICs, when checked, then 8 or 11 characters of the right shape pass', () => {
    expect(bicValid('BNPAFRPP')).toBe(true);
    expect(bicValid('bnpafrppxxx')).toBe(true);
    expect(bicValid('BNPAFRP')).toBe(false);
    expect(bicValid('1NPAFRPPXXX')).toBe(false);
  });

  it('given an IBAN, when masked, then only its country, check digits and last four characters show', () => {
    expect(maskIban(IBAN)).toBe('FR76 **** 0189');
  });
});

describe('submitBankDetails', () => {
  const spec = decider(submitBankDetails);

  it('given a granted award, when the beneficiary submits bank details, then they wait for validation and the event shows them masked', () => {
    const { decision } = spec
      .given(grantedAward())
      .when({ iban: IBAN, bic: 'bnpafrppxxx', holder: ' Commune de Lyon ', ribAttachmentId: 'att-1', by: 'applicant-1' }, NOW)
      .then({ definition: AwardBankDetailsSubmitted, data: { bankDetailsId: 'award-d-1-B1', iban: 'FR76 **** 0189', bic: 'BNPAFRPPXXX', submittedBy: 'applicant-1' } })
      .thenState({ pendingBankDetails: { bankDetailsId: 'award-d-1-B1', iban: 'FR7630006000011234567890189', holder: 'Commune de Lyon', ribAttachmentId: 'att-1' } });
    expect(decision.outcome === 'accepted' && decision.state.bankDetails).toBeUndefined();
  });

  it('given the same bank details waiting, when submitted again, then nothing happens; different ones replace them', () => {
    const waiting = must(submitBankDetails(grantedAward(), { iban: IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW));
    spec.given(waiting).when({ iban: IBAN.replace(/ /g, ''), bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW).thenNothingHappens();
    spec.given(waiting).when({ iban: OTHER_IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW).then(AwardBankDetailsSubmitted).thenState({ pendingBankDetails: { bankDetailsId: 'award-d-1-B2' } });
  });

  it('given bank details waiting, when the same account is submitted under another holder, then it is a new submission to validate', () => {
    const waiting = must(submitBankDetails(grantedAward(), { iban: IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW));
    spec
      .given(waiting)
      .when({ iban: IBAN, bic: BIC, holder: 'Mairie de Lyon', by: 'applicant-1' }, NOW)
      .then({ definition: AwardBankDetailsSubmitted, data: { bankDetailsId: 'award-d-1-B2' } })
      .thenState({ pendingBankDetails: { bankDetailsId: 'award-d-1-B2', holder: 'Mairie de Lyon' } });
  });

  it('given a bad IBAN and a bad BIC, when submitted, then each is named with its field', () => {
    const { decision } = spec.given(grantedAward()).when({ iban: 'FR76 3000 6000 0112 3456 7890 188', bic: 'BNP', holder: ' ', by: 'applicant-1' }, NOW).thenRefused('iban', 'bic', 'holder');
    expect(decision.outcome === 'refused' && decision.violations.map((v) => v.pointer)).toEqual(['#/iban', '#/bic', '#/holder']);
  });

  it('given a cancelled award, when bank details are submitted, then its status forbids it', () => {
    spec.given(must(cancelAward(grantedAward(), { cause: 'manual', reason: 'Erreur' }, NOW))).when({ iban: IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW).thenWrongStatus('cancelled');
  });
});

describe('validateBankDetails and refuseBankDetails', () => {
  const validate = decider(validateBankDetails);
  const refuse = decider(refuseBankDetails);
  const changeWaiting = () => must(submitBankDetails(awardInExecution(), { iban: OTHER_IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW));

  it('given a change waiting, when a finance officer validates it, then payments go to the new bank details', () => {
    const { decision } = validate
      .given(changeWaiting())
      .when({ bankDetailsId: 'award-d-1-B2', by: 'finance-1' }, NOW)
      .then({ definition: AwardBankDetailsValidated, data: { bankDetailsId: 'award-d-1-B2', iban: 'FR14 **** 2606', validatedBy: 'finance-1' } })
      .thenState({ bankDetails: { bankDetailsId: 'award-d-1-B2', validatedBy: 'finance-1' } });
    expect(decision.outcome === 'accepted' && 'pendingBankDetails' in decision.state).toBe(false);
  });

  it('given validated bank details, when validated again by the same officer, then nothing happens; an old id, then its status forbids it', () => {
    const validated = must(validateBankDetails(changeWaiting(), { bankDetailsId: 'award-d-1-B2', by: 'finance-1' }, NOW));
    validate.given(validated).when({ bankDetailsId: 'award-d-1-B2', by: 'finance-1' }, NOW).thenNothingHappens();
    validate.given(changeWaiting()).when({ bankDetailsId: 'award-d-1-B1', by: 'finance-3' }, NOW).thenWrongStatus('validated');
    validate.given(changeWaiting()).when({ bankDetailsId: 'award-d-1-B7', by: 'finance-1' }, NOW).thenWrongStatus('not-pending');
  });

  it('given a change waiting, when refused with a reason, then the bank details validated before stay in use', () => {
    const { decision } = refuse
      .given(changeWaiting())
      .when({ bankDetailsId: 'award-d-1-B2', reason: 'RIB illisible', by: 'finance-1' }, NOW)
      .then({ definition: AwardBankDetailsRefused, data: { bankDetailsId: 'award-d-1-B2', reason: 'RIB illisible' } })
      .thenState({ bankDetails: { bankDetailsId: 'award-d-1-B1' } });
    expect(decision.outcome === 'accepted' && 'pendingBankDetails' in decision.state).toBe(false);
    refuse.given(changeWaiting()).when({ bankDetailsId: 'award-d-1-B2', reason: '', by: 'finance-1' }, NOW).thenRefused('reason-required');
  });
});
