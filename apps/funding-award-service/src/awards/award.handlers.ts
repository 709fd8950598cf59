import { DossierAccepted, type Decision } from '@aap/contracts';
import { causedBy, PermanentHandlerError } from '@aap/messaging';
import type { CommandHandler, ServiceContext } from '@aap/service-runtime';
import { awardIdOf, grantAward, type AwardState } from './award';

/** The refusal of a decision taken on an event, as the dead-letter reason. */
export const refusalOf = (decision: Decision<unknown>): string | undefined =>
  decision.outcome === 'refused' ? decision.violations.map((v) => `${v.name}: ${v.detail}`).join('; ') : decision.outcome === 'wrong-status' ? decision.detail : undefined;

/**
 * The committee's decisions, from the evaluation service: an accepted dossier becomes its award,
 * through the command handler (one guarded write of the award and award.granted). Applied once: the
 * consumer skips an event id it has handled, and the award is keyed by its dossier, so the same
 * acceptance under another event id finds its award and changes nothing.
 */
export function registerAwardHandlers(context: ServiceContext, commands: CommandHandler<AwardState>): void {
  context.consumer.on(DossierAccepted, async (event) => {
    const { dossierId, number, callId, waveId, organisationId, grantCents, eligibleCostCents, at } = event.data;
    const handled = await commands.handle(
      awardIdOf(dossierId),
      (existing) =>
        grantAward(existing, { awardId: awardIdOf(dossierId), dossier: { dossierId, number, callId, waveId, organisationId }, grantCents, eligibleCostCents, notifiedAt: at }, context.clock()),
      causedBy(event),
    );
    const refusal = refusalOf(handled.decision);
    if (refusal) throw new PermanentHandlerError(refusal);
  });
}
