import { DossierDraftSaved, DossierResubmitted, DossierSubmitted, DossierWithdrawn, type DossierEventReference, type EventDefinition } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierIndex } from './dossier-row';

/**
 * The submission's own dossier facts after which a row changes. Each rewrites the row from the stored
 * dossier (never from the event), so the order they arrive in and a redelivery do not matter: a row
 * never goes back to an older version. The evaluation's facts are not here: the dossiers slice applies
 * them to the dossier, then refreshes the row itself (dossiers/dossier.handlers.ts), so that the row
 * is read after that write whatever order the handlers of one event run in.
 */
const INDEX_FACTS: readonly EventDefinition[] = [DossierDraftSaved, DossierSubmitted, DossierResubmitted, DossierWithdrawn];

export function registerDossierIndexHandlers(context: ServiceContext, index: Pick<DossierIndex, 'refresh'>): void {
  for (const definition of INDEX_FACTS) {
    context.consumer.on(definition, async (event) => {
      await index.refresh((event.data as DossierEventReference).dossierId);
    });
  }
}
