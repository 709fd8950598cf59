import { accepted, type DossierReference } from '@aap/contracts';
import { awardIdOf, cancelAward, dateIn, isOpen, isPreGrant, scheduleOf, type AwardDecision, type AwardState } from '../awards/award';

/**
 * Cancellations, pure: the dossier withdrawn (submission), the committee's decision reopened
 * (evaluation), the beneficiary's renunciation. Each cancels the award through `cancelAward`: nothing
 * more is requested, released or paid on it, and its unpaid amount is released. Withdrawal and
 * acceptance come on different topics, so either may be consumed first: a withdrawal that finds no
 * award is remembered on the document the acceptance will find (`withdrawn-before-grant`), and that
 * acceptance then grants and cancels in the same write (`grantAward`).
 */

/** The reason of a withdrawal published without one. */
export const WITHDRAWN_WITHOUT_REASON = 'Dossier retiré par le demandeur';

export interface DossierWithdrawal {
  dossier: DossierReference;
  reason?: string;
  withdrawnAt: string;
}

/** What is kept of a withdrawal before any acceptance: a document that is not an award (no grant, no deadline). */
function withdrawnBeforeGrant(command: DossierWithdrawal, withdrawal: NonNullable<AwardState['withdrawal']>): AwardState {
  return {
    awardId: awardIdOf(command.dossier.dossierId),
    ...command.dossier,
    status: 'withdrawn-before-grant',
    grantCents: 0,
    eligibleCostCents: 0,
    schedule: scheduleOf(),
    // Placeholders until an acceptance replaces them: never notified, no deadline (`pendingLapse` has none for this status).
    notifiedAt: command.withdrawnAt,
    startDeadline: dateIn(new Date(command.withdrawnAt)),
    startExtended: false,
    bankDetailsSubmitted: 0,
    tranches: [],
    recoveries: [],
    releasedCents: 0,
    withdrawal,
    version: 0,
  };
}

/**
 * The dossier was withdrawn: an open award is cancelled (cause `dossier-withdrawn`); no award yet, the
 * withdrawal is remembered for the acceptance to come; a closed award remembers it too (a re-acceptance
 * after a reopened decision is then cancelled at once). The same withdrawal again changes nothing.
 */
export function withdrawDossier(existing: AwardState | null, command: DossierWithdrawal, now: Date): AwardDecision {
  const withdrawal = { reason: command.reason?.trim() || WITHDRAWN_WITHOUT_REASON, at: command.withdrawnAt };
  if (!existing) return accepted(withdrawnBeforeGrant(command, withdrawal));
  if (existing.withdrawal) return accepted(existing);
  if (!isOpen(existing)) return accepted({ ...existing, withdrawal });
  const cancelled = cancelAward(existing, { cause: 'dossier-withdrawn', reason: withdrawal.reason }, now);
  return cancelled.outcome === 'accepted' ? accepted({ ...cancelled.state, withdrawal }, ...cancelled.events) : cancelled;
}

/**
 * The committee reopened its decision: the award is cancelled (cause `decision-reopened`; the
 * evaluation service gave the money back itself). A document that never became an award has nothing
 * to cancel; a completed or lapsed award cannot be (409: the reopening needs a person's look).
 */
export function reopenDecision(award: AwardState, command: { reason: string }, now: Date): AwardDecision {
  if (isPreGrant(award)) return accepted(award);
  return cancelAward(award, { cause: 'decision-reopened', reason: command.reason }, now);
}

/** The beneficiary renounces its award (cause `renounced`): nothing more is paid, the unpaid amount is released. */
export function renounceAward(award: AwardState, command: { reason: string }, now: Date): AwardDecision {
  return cancelAward(award, { cause: 'renounced', reason: command.reason }, now);
}
