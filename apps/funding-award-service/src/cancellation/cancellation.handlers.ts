import { DossierDecisionReopened, DossierWithdrawn } from '@aap/contracts';
import { causedBy, PermanentHandlerError } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import { awardIdOf, refusalOf, type Awards } from '../awards';
import { reopenDecision, withdrawDossier } from './cancellation';

/**
 * A withdrawn dossier (submission) and a reopened decision (evaluation) cancel the award, through the
 * command handler (one guarded write of the award and its events). Applied once: the consumer skips a
 * handled event id, and each decision on an award already cancelled (or already knowing the
 * withdrawal) changes nothing. A withdrawal creates the document when the acceptance is not there yet;
 * a reopened decision always comes after its acceptance (same topic, same key), so an award that does
 * not exist means a dossier that was never accepted: nothing to do.
 */
export function registerCancellationHandlers(context: ServiceContext, awards: Awards): void {
  context.consumer.on(DossierWithdrawn, async (event) => {
    const { dossierId, number, callId, waveId, organisationId, reason, withdrawnAt } = event.data;
    const command = { dossier: { dossierId, number, callId, waveId, organisationId }, withdrawnAt, ...(reason ? { reason } : {}) };
    const handled = await awards.commands.handle(awardIdOf(dossierId), (existing) => withdrawDossier(existing, command, context.clock()), causedBy(event));
    const refusal = refusalOf(handled.decision);
    if (refusal) throw new PermanentHandlerError(refusal);
  });

  context.consumer.on(DossierDecisionReopened, async (event) => {
    const handled = await awards.commands.handleExisting(awardIdOf(event.data.dossierId), (award) => reopenDecision(award, { reason: event.data.reason }, context.clock()), causedBy(event));
    const refusal = handled && refusalOf(handled.decision);
    if (refusal) throw new PermanentHandlerError(refusal);
  });
}
