import type { ServiceContext } from '@aap/service-runtime';
import type { DossierStore } from '../dossiers/dossier.store';
import type { DossierReadModel } from '../dossiers/read-models';
import { rowOf } from './dossier-lines';
import { registerDossierIndexRebuildRoutes } from './dossier-index-rebuild.routes';
import { dossierIndexStore } from './dossier-index.projection';
import { dossierIndexRebuilds } from './dossier-index.rebuild';
import type { DossierIndex } from './dossier-row';

export type { DossierIndex, DossierRow } from './dossier-row';
export { foldForSearch } from './dossier-row';
export { registerDossierListRoutes, type DossierListPorts } from './dossier-lists.routes';

/** The index's port: the read side, and the bulk refresh (a rebuild, an upgrade). */
export interface DossierIndexPort extends DossierIndex, DossierReadModel {
  /** Rewrites these dossiers' rows from the stored dossiers: one write per bucket touched, then each call's head once; answers how many rows. */
  refreshMany(dossierIds: readonly string[]): Promise<number>;
}

/**
 * The staff lists' read model (dossier-index.projection.ts), kept by the dossiers slice (dossiers/read-models.ts:
 * after this service's own dossier facts and after each evaluation fact it applies); rebuilt on demand by an admin (dossier-index-rebuild.routes.ts, with
 * the other read models given), and filled from
 * the dossiers collection once, at the first start of a version that has it (`upgrades`).
 */
export function registerDossierIndex(
  context: ServiceContext,
  store: Pick<DossierStore, 'get' | 'model' | 'toState'>,
  /** The other read models kept from the dossiers, rewritten by an admin's rebuild with the index. */
  rebuiltWith: readonly DossierReadModel[] = [],
): DossierIndexPort & { upgrades: Record<string, () => Promise<void>> } {
  const index = dossierIndexStore(context, store);
  const rebuilds = dossierIndexRebuilds(context, store, index, rebuiltWith);
  registerDossierIndexRebuildRoutes(context, rebuilds);
  return {
    rowsOfCall: index.rowsOfCall,
    refresh: index.refresh,
    refreshMany: index.refreshMany,
    write: (dossiers) => index.writeRows(dossiers.map(rowOf)),
    upgrades: { 'dossier-index-from-dossiers': async () => void (await rebuilds.fromDossiers()) },
  };
}
