import { describe, expect, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { AwardLegalCommitmentRecorded } from '@aap/contracts';
import { cancelAward } from '../awards/award';
import { DOSSIER, LEGAL_COMMITMENT, NOW, awardInExecution, awardWithPaidAdvance, grantedAward, must } from '../award-fixtures';
import { releaseTranche, requestAdvance, validateTranche } from '../tranches/tranche';
import { recordLegalCommitment } from './legal-commitment';

const OTHER_NUMBER = '2109876543';

describe('recordLegalCommitment', () => {
  const spec = decider(recordLegalCommitment);

  it('given a granted award, when finance records its 10-digit legal commitment, then the award holds it and the fact is published', () => {
    spec
      .given(grantedAward())
      .when({ number: LEGAL_COMMITMENT, by: 'finance-1' }, NOW)
      .then({ definition: AwardLegalCommitmentRecorded, data: { awardId: 'award-d-1', ...DOSSIER, legalCommitmentNumber: LEGAL_COMMITMENT, recordedBy: 'finance-1', at: NOW.toISOString() } })
      .thenState({ legalCommitment: { number: LEGAL_COMMITMENT, recordedBy: 'finance-1', recordedAt: NOW.toISOString() } });
  });

  it('given the number recorded, when the same number is recorded again (by anyone), then nothing happens', () => {
    const recorded = must(recordLegalCommitment(grantedAward(), { number: LEGAL_COMMITMENT, by: 'finance-1' }, NOW));
    spec.given(recorded).when({ number: LEGAL_COMMITMENT, by: 'finance-2' }, NOW).thenNothingHappens();
  });

  it('given a number recorded and nothing released yet, when another number is recorded, then it corrects it, naming the previous one', () => {
    const recorded = must(recordLegalCommitment(grantedAward(), { number: LEGAL_COMMITMENT, by: 'finance-1' }, NOW));
    spec
      .given(recorded)
      .when({ number: OTHER_NUMBER, by: 'finance-2' }, NOW)
      .then({ definition: AwardLegalCommitmentRecorded, data: { legalCommitmentNumber: OTHER_NUMBER, previousNumber: LEGAL_COMMITMENT } })
      .thenState({ legalCommitment: { number: OTHER_NUMBER, recordedBy: 'finance-2' } });
  });

  it('given a tranche released under the number, when another number is recorded, then legal-commitment-fixed refuses it; the same number still changes nothing', () => {
    const validated = must(validateTranche(must(requestAdvance(awardInExecution(), { by: 'applicant-1' }, NOW)), { trancheId: 'award-d-1-T1', by: 'finance-1' }, NOW));
    const released = must(releaseTranche(validated, { trancheId: 'award-d-1-T1', by: 'finance-2' }, NOW));
    spec.given(validated).when({ number: OTHER_NUMBER, by: 'finance-2' }, NOW).then(AwardLegalCommitmentRecorded);
    spec.given(released).when({ number: OTHER_NUMBER, by: 'finance-2' }, NOW).thenRefused('legal-commitment-fixed');
    spec.given(awardWithPaidAdvance()).when({ number: OTHER_NUMBER, by: 'finance-2' }, NOW).thenRefused('legal-commitment-fixed');
    spec.given(released).when({ number: LEGAL_COMMITMENT, by: 'finance-2' }, NOW).thenNothingHappens();
  });

  it('given numbers that are not exactly 10 digits, when recorded, then legal-commitment-number names the field', () => {
    for (const number of ['210345678', '21034567890', '21034567A9', '']) {
      const decision = spec.given(grantedAward()).when({ number, by: 'finance-1' }, NOW).thenRefused('legal-commitment-number').decision;
      expect(decision.outcome === 'refused' && decision.violations[0]!.pointer).toBe('#/number');
    }
  });

  it('given a cancelled award, when a legal commitment is recorded, then its status forbids it', () => {
    spec.given(must(cancelAward(grantedAward(), { cause: 'manual', reason: 'Erreur' }, NOW))).when({ number: LEGAL_COMMITMENT, by: 'finance-1' }, NOW).thenWrongStatus('cancelled');
  });
});
