import { DossierDraftSaved, DossierResubmitted, DossierSubmitted, DossierWithdrawn, type DossierEventReference, type EventDefinition } from '@aap/contracts';
import { eachLimited } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { Dossier } from './dossier';
import type { DossierStore } from './dossier.store';

/**
 * A read model built on the dossiers' store (the staff lists' index, the export lines): an entry is
 * rewritten from the dossier as stored, never from an event, so the order facts arrive in and a
 * redelivery do not matter (an entry never goes back to an older version of its dossier).
 */
export interface DossierReadModel {
  /** Rewrites the entries of these dossiers as stored now (a batch of facts: one write per bucket or line, not per fact). */
  write(dossiers: readonly Dossier[]): Promise<unknown>;
}

/**
 * This service's own dossier facts, consumed back from its topic, after which an entry changes: the
 * outbox publishes them only once the dossier's write is stored, and a crash before the refresh is
 * healed by the redelivery. Taken a fetched batch at a time (`onBatch`): at 20 submissions a second a
 * call's bucket and head are written once per batch, not once per fact, and each dossier is read once for all
 * the read models. The evaluation's facts are not here: this slice applies them to the dossier,
 * then writes each read model from the dossier it wrote (dossier.handlers.ts), so that an entry is
 * never older than that write whatever order the handlers of one event run in.
 */
const OWN_FACTS: readonly EventDefinition[] = [DossierDraftSaved, DossierSubmitted, DossierResubmitted, DossierWithdrawn];

export function keepFromOwnFacts(context: ServiceContext, store: Pick<DossierStore, 'get'>, readModels: readonly DossierReadModel[]): void {
  if (readModels.length === 0) return;
  context.consumer.onBatch(OWN_FACTS, async (events) => {
    // Each dossier read once, for every read model (a write is idempotent: a failed batch rewrites them all).
    const dossiers = await storedDossiers(store, events.map((event) => (event.data as DossierEventReference).dossierId));
    await Promise.all(readModels.map((model) => model.write(dossiers)));
  });
}

/** At most this many dossiers read at once (each by `_id`). */
const LOAD_CONCURRENCY = 16;

/** The stored dossiers of these ids (each once; an id without a dossier left out). */
export async function storedDossiers(store: Pick<DossierStore, 'get'>, dossierIds: readonly string[]): Promise<Dossier[]> {
  const dossiers: Dossier[] = [];
  await eachLimited([...new Set(dossierIds)], LOAD_CONCURRENCY, async (dossierId) => {
    const dossier = await store.get(dossierId);
    if (dossier) dossiers.push(dossier);
  });
  return dossiers;
}
