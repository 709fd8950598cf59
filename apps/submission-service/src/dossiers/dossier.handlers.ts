import { EVALUATION_FACTS, isActive, type EventEnvelope } from '@aap/contracts';
import { causedBy, PermanentHandlerError } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import { applyEvaluation, EVALUATION_EVENTS } from './dossier';
import type { DossierStore } from './dossier.store';
import type { DossierReadModel } from './read-models';
import type { WavePlacesStore } from './wave-places.store';

/**
 * The evaluation service moves dossiers (review, complements, decisions); this service applies those
 * events through the lifecycle to show each dossier's status. Each goes through the command handler
 * and is applied once (a redelivery changes nothing); one that cannot apply (unknown dossier, a
 * transition the lifecycle refuses) is a permanent failure: it goes to the dead-letter topic with its reason.
 */
export function registerDossierHandlers(
  context: ServiceContext,
  store: DossierStore,
  places: Pick<WavePlacesStore, 'release' | 'hold'>,
  readModels: readonly DossierReadModel[] = [],
): void {
  for (const fact of EVALUATION_FACTS) {
    context.consumer.on(EVALUATION_EVENTS[fact], async (event: EventEnvelope) => {
      const data = event.data as Parameters<typeof applyEvaluation>[2]['data'];
      const handled = await store.commands.handleExisting(data.dossierId, (dossier) => applyEvaluation(dossier, fact, { id: event.id, data }, new Date()), causedBy(event));
      if (!handled) throw new PermanentHandlerError(`no dossier ${data.dossierId}`);
      const { decision, after } = handled;
      if (decision.outcome !== 'accepted') throw new PermanentHandlerError(decision.outcome === 'refused' ? decision.violations[0]!.detail : decision.detail);
      // Keep the wave's places in step with what is stored now (also when a redelivery changed nothing:
      // a crash after the dossier's write is healed by it): an active dossier holds its place, an ended one gives it back.
      if (isActive(after!.status)) await places.hold(after!, new Date());
      else await places.release(after!);
      // The read models' entries, from the dossier as just written (so never before it, whatever order this event's handlers run in).
      await Promise.all(readModels.map((model) => model.write([after!])));
    });
  }
}
