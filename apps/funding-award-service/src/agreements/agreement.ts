import { accepted, emit, refused, wrongStatus, AwardAgreementCountersigned, AwardAgreementIssued, AwardAgreementSigned } from '@aap/contracts';
import { factOf, violation, whileOpen, type AwardDecision, type AwardState } from '../awards/award';

/**
 * The agreement (convention), pure: issued from the award (the document's SHA-256 identifies it),
 * signed by the beneficiary on that very document (simple electronic signature: who, when, which
 * document), then countersigned by the programme manager. Until signed it may be issued again
 * (a corrected document); once signed it is fixed.
 */

const SHA256 = /^[0-9a-f]{64}$/;

/** Issues (or, before any signature, re-issues) the agreement; the same document again changes nothing. */
export function issueAgreement(award: AwardState, command: { sha256: string }, now: Date): AwardDecision {
  return whileOpen(award, 'given an agreement', () => {
    if (!SHA256.test(command.sha256)) return refused([violation('agreement-document', 'the agreement is identified by its SHA-256 (64 hexadecimal characters)', '#/sha256')]);
    if (award.agreement?.sha256 === command.sha256) return accepted(award);
    if (award.agreement?.signedAt) return wrongStatus('signed', `the agreement of award ${award.awardId} is signed: it can no longer be replaced`);
    return accepted(
      { ...award, agreement: { sha256: command.sha256, issuedAt: now.toISOString() } },
      emit(AwardAgreementIssued, { ...factOf(award, now), agreementSha256: command.sha256 }),
    );
  });
}

const documentViolation = (expected: string) => [
  violation('agreement-document', `the document signed is not the agreement issued (SHA-256 ${expected}): sign the current version`, '#/sha256'),
];

/** The beneficiary signs the issued document; signing it again changes nothing. */
export function signAgreement(award: AwardState, command: { sha256: string; by: string }, now: Date): AwardDecision {
  return whileOpen(award, 'signed', () => {
    const agreement = award.agreement;
    if (!agreement) return wrongStatus('not-issued', `award ${award.awardId} has no agreement to sign yet`);
    if (agreement.sha256 !== command.sha256) return refused(documentViolation(agreement.sha256));
    if (agreement.signedAt) return accepted(award);
    return accepted(
      { ...award, agreement: { ...agreement, signedBy: command.by, signedAt: now.toISOString() } },
      emit(AwardAgreementSigned, { ...factOf(award, now), agreementSha256: agreement.sha256, signedBy: command.by }),
    );
  });
}

/** The programme manager countersigns the agreement the beneficiary signed: it then binds both parties. */
export function countersignAgreement(award: AwardState, command: { sha256: string; by: string }, now: Date): AwardDecision {
  return whileOpen(award, 'countersigned', () => {
    const agreement = award.agreement;
    if (!agreement?.signedAt) return wrongStatus(agreement ? 'issued' : 'not-issued', `the agreement of award ${award.awardId} is not signed by the beneficiary yet`);
    if (agreement.sha256 !== command.sha256) return refused(documentViolation(agreement.sha256));
    if (agreement.countersignedAt) return accepted(award);
    if (agreement.signedBy === command.by) return refused([violation('four-eyes', `${command.by} signed for the beneficiary: the State countersigns through someone else`)]);
    return accepted(
      { ...award, agreement: { ...agreement, countersignedBy: command.by, countersignedAt: now.toISOString() } },
      emit(AwardAgreementCountersigned, { ...factOf(award, now), agreementSha256: agreement.sha256, countersignedBy: command.by }),
    );
  });
}
