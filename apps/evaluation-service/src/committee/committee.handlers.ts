import { AwardAmountReleased, DossierDecisionReopened, DossierWithdrawn } from '@aap/contracts';
import { causedBy } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import { awardReleaseId } from './envelope';
import type { EnvelopeProcess } from './envelope.process';

/**
 * Money coming back to a call's envelope from outside the committee, each time through the process's
 * one `giveBack` (the best waitlisted dossier that fits is proposed):
 * - a withdrawn dossier gives back what it held (what its approval held, or an approval in progress).
 *   Runs after the evaluations' own dossier.withdrawn handler (registered later); idempotent: a
 *   redelivery finds nothing held.
 * - funding-award's `award.amount-released` (a lapse, a cancellation, a balance below the grant) gives
 *   back that amount from what the award's dossier holds, never more, once per release even under
 *   another event id (the release is recorded on the envelope with the money); nothing for an award
 *   cancelled because the committee reopened its decision (the reopening gave the money back).
 * - a recorded reopening gives back what the dossier still holds unless it is approved again (the
 *   reopening's own request does it first; this heals one whose request is gone).
 */
export function registerCommitteeHandlers(context: ServiceContext, process: Pick<EnvelopeProcess, 'giveBack' | 'giveBackReopened'>): void {
  context.consumer.on(DossierWithdrawn, async (event) => {
    const { callId, dossierId, number } = event.data;
    await process.giveBack(callId, dossierId, `withdrawal of ${number}`, causedBy(event));
  });

  context.consumer.on(AwardAmountReleased, async (event) => {
    const { awardId, callId, dossierId, number, amountCents, cause, cancellationCause } = event.data;
    await process.giveBack(callId, dossierId, `award ${cause} of ${number}`, causedBy(event), {
      releaseId: awardReleaseId(awardId, cause, cancellationCause),
      amountCents,
      freedByCommittee: cancellationCause === 'decision-reopened',
    });
  });

  context.consumer.on(DossierDecisionReopened, async (event) => {
    const { callId, dossierId, number } = event.data;
    await process.giveBackReopened(callId, dossierId, `decision-reopened of ${number}`, causedBy(event));
  });
}
