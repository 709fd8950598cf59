import { describe, expect, it } from 'vitest';
import { BIC, HOLDER, NOW, OTHER_IBAN, awardInExecution, must } from '../award-fixtures';
import { submitBankDetails } from '../bank-details/bank-details';
import { releaseTranche, requestAdvance, validateTranche } from '../tranches/tranche';
import { bankDetailsRowOf, trancheRowsOf } from './finance-queues';

describe('the finance queues of an award', () => {
  it('given an advance asked, validated then released, then its row moves from the validation queue to the release queue and out', () => {
    const asked = must(requestAdvance(awardInExecution(), { by: 'applicant-1' }, NOW));
    expect(trancheRowsOf(asked)).toEqual([expect.objectContaining({ _id: 'award-d-1-T1', status: 'requested', amountCents: 600_000, validatedBy: null, awardVersion: asked.version })]);
    const validated = must(validateTranche(asked, { trancheId: 'award-d-1-T1', by: 'finance-1' }, NOW));
    expect(trancheRowsOf(validated)).toEqual([expect.objectContaining({ status: 'validated', validatedBy: 'finance-1' })]);
    const released = must(releaseTranche(validated, { trancheId: 'award-d-1-T1', by: 'finance-2' }, NOW));
    expect(trancheRowsOf(released)).toEqual([expect.objectContaining({ status: 'released' })]);
  });

  it('given a change of bank details waiting, then its row is pending with both IBANs masked; once none waits, the row says none', () => {
    const validatedOnly = awardInExecution();
    expect(bankDetailsRowOf(validatedOnly)).toMatchObject({ _id: 'award-d-1', status: 'none', pending: null, currentIban: 'FR76 **** 0189' });
    const changed = must(submitBankDetails(validatedOnly, { iban: OTHER_IBAN, bic: BIC, holder: HOLDER, by: 'applicant-1' }, NOW));
    expect(bankDetailsRowOf(changed)).toMatchObject({
      status: 'pending',
      pending: { bankDetailsId: 'award-d-1-B2', iban: 'FR14 **** 2606', bic: BIC, holder: HOLDER, submittedBy: 'applicant-1' },
      currentIban: 'FR76 **** 0189',
    });
  });
});
