import { DossierDraftSaved, DossierResubmitted, DossierSubmitted, DossierWithdrawn, type DossierEventReference, type EventDefinition } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';

/**
 * A read model built on the dossiers' store (the staff lists' index, the export lines): an entry is
 * rewritten from the stored dossier, never from an event, so the order facts arrive in and a
 * redelivery do not matter (an entry never goes back to an older version of its dossier).
 */
export interface DossierReadModel {
  refresh(dossierId: string): Promise<void>;
  /** The same for several dossiers at once (a batch of facts: one write per bucket or line, not per fact). */
  refreshMany(dossierIds: readonly string[]): Promise<unknown>;
}

/**
 * This service's own dossier facts, consumed back from its topic, after which an entry changes: the
 * outbox publishes them only once the dossier's write is stored, and a crash before the refresh is
 * healed by the redelivery. Taken a fetched batch at a time (`onBatch`): at 20 submissions a second a
 * call's bucket and head are written once per batch, not once per fact. The evaluation's facts are not here: this slice applies them to the dossier,
 * then refreshes each read model itself (dossier.handlers.ts), so that an entry is read after that
 * write whatever order the handlers of one event run in.
 */
const OWN_FACTS: readonly EventDefinition[] = [DossierDraftSaved, DossierSubmitted, DossierResubmitted, DossierWithdrawn];

export function keepFromOwnFacts(context: ServiceContext, readModel: DossierReadModel): void {
  context.consumer.onBatch(OWN_FACTS, async (events) => {
    await readModel.refreshMany(events.map((event) => (event.data as DossierEventReference).dossierId));
  });
}
