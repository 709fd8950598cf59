import { describe, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { AwardAgreementCountersigned, AwardAgreementIssued, AwardAgreementSigned } from '@aap/contracts';
import { NOW, grantedAward, must } from '../award-fixtures';
import { cancelAward } from '../awards/award';
import { countersignAgreement, issueAgreement, signAgreement } from './agreement';

const DOC = 'a'.repeat(64);
const CORRECTED = 'b'.repeat(64);
const issued = () => must(issueAgreement(grantedAward(), { sha256: DOC }, NOW));
const signed = () => must(signAgreement(issued(), { sha256: DOC, by: 'applicant-1' }, NOW));

describe('issueAgreement', () => {
  const spec = decider(issueAgreement);

  it('given a granted award, when its agreement is issued, then the document is identified by its SHA-256', () => {
    spec.given(grantedAward()).when({ sha256: DOC }, NOW).then({ definition: AwardAgreementIssued, data: { agreementSha256: DOC } }).thenState({ agreement: { sha256: DOC } });
  });

  it('given an issued agreement, when the same document is issued again, then nothing happens; a corrected one replaces it', () => {
    spec.given(issued()).when({ sha256: DOC }, NOW).thenNothingHappens();
    spec.given(issued()).when({ sha256: CORRECTED }, NOW).then(AwardAgreementIssued).thenState({ agreement: { sha256: CORRECTED } });
  });

  it('given a signed agreement, when another document is issued, then its status forbids it; a malformed hash is refused', () => {
    spec.given(signed()).when({ sha256: CORRECTED }, NOW).thenWrongStatus('signed');
    spec.given(grantedAward()).when({ sha256: 'not-a-hash' }, NOW).thenRefused('agreement-document');
  });

  it('given a cancelled award, when an agreement is issued, then its status forbids it', () => {
    spec.given(must(cancelAward(grantedAward(), { cause: 'manual', reason: 'Erreur' }, NOW))).when({ sha256: DOC }, NOW).thenWrongStatus('cancelled');
  });
});

describe('signAgreement', () => {
  const spec = decider(signAgreement);

  it('given an issued agreement, when the beneficiary signs that document, then who and when are kept', () => {
    spec.given(issued()).when({ sha256: DOC, by: 'applicant-1' }, NOW).then({ definition: AwardAgreementSigned, data: { signedBy: 'applicant-1', agreementSha256: DOC } }).thenState({ agreement: { signedBy: 'applicant-1', signedAt: NOW.toISOString() } });
  });

  it('given an issued agreement, when another document is signed, then agreement-document refuses it', () => {
    spec.given(issued()).when({ sha256: CORRECTED, by: 'applicant-1' }, NOW).thenRefused('agreement-document');
  });

  it('given no agreement, when signed, then its status forbids it; signed already, then nothing happens', () => {
    spec.given(grantedAward()).when({ sha256: DOC, by: 'applicant-1' }, NOW).thenWrongStatus('not-issued');
    spec.given(signed()).when({ sha256: DOC, by: 'applicant-1' }, NOW).thenNothingHappens();
  });
});

describe('countersignAgreement', () => {
  const spec = decider(countersignAgreement);

  it('given a signed agreement, when the programme manager countersigns it, then it binds both parties', () => {
    spec.given(signed()).when({ sha256: DOC, by: 'manager-1' }, NOW).then({ definition: AwardAgreementCountersigned, data: { countersignedBy: 'manager-1' } }).thenState({ agreement: { countersignedBy: 'manager-1' } });
  });

  it('given an agreement not signed by the beneficiary, when countersigned, then its status forbids it', () => {
    spec.given(issued()).when({ sha256: DOC, by: 'manager-1' }, NOW).thenWrongStatus('issued');
  });

  it('given the signer, when countersigning, then four-eyes refuses it; the wrong document, then agreement-document', () => {
    spec.given(signed()).when({ sha256: DOC, by: 'applicant-1' }, NOW).thenRefused('four-eyes');
    spec.given(signed()).when({ sha256: CORRECTED, by: 'manager-1' }, NOW).thenRefused('agreement-document');
  });

  it('given a countersigned agreement, when countersigned again, then nothing happens', () => {
    spec.given(must(countersignAgreement(signed(), { sha256: DOC, by: 'manager-1' }, NOW))).when({ sha256: DOC, by: 'manager-1' }, NOW).thenNothingHappens();
  });
});
