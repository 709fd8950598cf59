import { accepted, emit, refused, AwardLegalCommitmentRecorded, LEGAL_COMMITMENT_NUMBER } from '@aap/contracts';
import { factOf, violation, whileOpen, type AwardDecision, type AwardState } from '../awards/award';

/**
 * The legal commitment (engagement juridique, EJ), pure: the number under which the State's
 * accounting system (Chorus) commits the grant. A finance officer records it; no tranche is released
 * without it (`releaseTranche`, rule legal-commitment-recorded). A mistyped number may be corrected
 * until money was released under it, then it is fixed: the payments already sent name it.
 */

/** Once a tranche was released (paid or not since), the payments name this number: it no longer changes. */
const releasedUnder = (award: AwardState) => award.tranches.filter((t) => t.releasedAt !== undefined);

/** Finance records the award's legal commitment number (10 digits); the same number again changes nothing. */
export function recordLegalCommitment(award: AwardState, command: { number: string; by: string }, now: Date): AwardDecision {
  const number = command.number.trim();
  const current = award.legalCommitment;
  if (current?.number === number) return accepted(award);
  return whileOpen(award, 'given a legal commitment', () => {
    if (!LEGAL_COMMITMENT_NUMBER.test(number)) return refused([violation('legal-commitment-number', `a legal commitment number (Chorus) is exactly 10 digits; got "${number}"`, '#/number')]);
    const released = releasedUnder(award);
    if (current && released.length) {
      const tranches = released.map((t) => t.trancheId).join(', ');
      return refused([violation('legal-commitment-fixed', `tranche ${tranches} was released under legal commitment ${current.number}: it can no longer change`, '#/number')]);
    }
    return accepted(
      { ...award, legalCommitment: { number, recordedBy: command.by, recordedAt: now.toISOString() } },
      emit(AwardLegalCommitmentRecorded, { ...factOf(award, now), legalCommitmentNumber: number, recordedBy: command.by, ...(current ? { previousNumber: current.number } : {}) }),
    );
  });
}
