import type { ServiceContext } from '@aap/service-runtime';
import type { DossierStore } from '../dossiers/dossier.store';
import { registerDossierIndexHandlers } from './dossier-index.handlers';
import { dossierIndexStore } from './dossier-index.projection';
import type { DossierIndex } from './dossier-row';

export type { DossierIndex, DossierRow } from './dossier-row';
export { foldForSearch } from './dossier-row';
export { registerDossierListRoutes, type DossierListPorts } from './dossier-lists.routes';

/** The index's port: the read side, and the bulk refresh (a rebuild, an upgrade). */
export interface DossierIndexPort extends DossierIndex {
  /** Rewrites these dossiers' rows from the stored dossiers: one write per bucket touched, then each call's head once; answers how many rows. */
  refreshMany(dossierIds: readonly string[]): Promise<number>;
}

/**
 * The staff lists' read model (dossier-index.projection.ts), kept from the dossier events of this
 * service (dossier-index.handlers.ts) and refreshed by the dossiers slice after it applies an
 * evaluation fact.
 */
export function registerDossierIndex(context: ServiceContext, store: Pick<DossierStore, 'get'>): DossierIndexPort {
  const index = dossierIndexStore(context, store);
  registerDossierIndexHandlers(context, index);
  return { rowsOfCall: index.rowsOfCall, refresh: index.refresh, refreshMany: index.refreshMany };
}
