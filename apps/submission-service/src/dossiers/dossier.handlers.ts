import { EVALUATION_FACTS, isActive, type EventEnvelope } from '@aap/contracts';
import { causedBy, PermanentHandlerError } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import { applyEvaluation, EVALUATION_EVENTS } from './dossier';
import type { DossierStore } from './dossier.store';

/**
 * The evaluation service moves dossiers (review, complements, decisions); this service applies those
 * events through the lifecycle to show each dossier's status. Each is applied once (a redelivery
 * changes nothing) with a guarded write; one that cannot apply (unknown dossier, a transition the
 * lifecycle refuses) is a permanent failure: it goes to the dead-letter topic with its reason.
 */
export function registerDossierHandlers(context: ServiceContext, store: DossierStore): void {
  for (const fact of EVALUATION_FACTS) {
    context.consumer.on(EVALUATION_EVENTS[fact], async (event: EventEnvelope) => {
      const data = event.data as Parameters<typeof applyEvaluation>[2]['data'];
      const outcome = await store.transition(data.dossierId, (dossier) => applyEvaluation(dossier, fact, { id: event.id, data }, new Date()), causedBy(event));
      if (!outcome) throw new PermanentHandlerError(`no dossier ${data.dossierId}`);
      const { before, decision } = outcome;
      if (decision.outcome !== 'accepted') throw new PermanentHandlerError(decision.outcome === 'refused' ? decision.violations[0]!.detail : decision.detail);
      // Keep the per-wave guard in step: an ended dossier frees its place, a reopened one takes it back.
      if (isActive(before.status) && !isActive(decision.state.status)) await store.releaseWavePlace(decision.state);
      if (!isActive(before.status) && isActive(decision.state.status)) await store.holdWavePlace(decision.state, new Date());
    });
  }
}
