import type { Caller } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { AttachmentEntry, Dossier, DossierDecision } from './dossier';
import { attach, attachable, detach } from './dossier';
import { dossierStore, type DossierStore } from './dossier.store';
import { receiptNumbers } from './receipt-numbers';
import { wavePlacesStore } from './wave-places.store';
import { dossierReader, registerDossierRoutes, type DossierPorts } from './dossier.routes';
import { registerDossierHandlers } from './dossier.handlers';
import { scheduleDraftReminders } from './reminders';

export type { AttachmentEntry, Dossier, DossierDecision } from './dossier';
export { MAX_ATTACHMENTS_PER_DOSSIER } from './dossier';
export type { DossierPorts } from './dossier.routes';

/**
 * What the attachments slice may do with dossiers: read one (as a caller may), and add or remove an attachment's
 * metadata, which is part of the dossier (so an upload and a submit never interleave: both are
 * guarded writes of the same document).
 */
export interface DossierAttachmentsPort {
  get(dossierId: string): Promise<Dossier | null>;
  /** The dossier if the caller may read it (the one access rule of dossier reads), else the 404 of a missing dossier. */
  readable(caller: Caller, dossierId: string): Promise<Dossier>;
  /** Whether one more attachment may be added now (before its bytes are stored). */
  attachable(dossierId: string): Promise<DossierDecision | null>;
  attach(dossierId: string, attachment: AttachmentEntry): Promise<DossierDecision | null>;
  detach(dossierId: string, attachmentId: string): Promise<DossierDecision | null>;
}

/** A read model built on the dossiers' store (the staff lists' index), refreshed by this slice after each evaluation fact it applies. */
export interface DossierReadModel {
  refresh(dossierId: string): Promise<void>;
}

export function registerDossiers(context: ServiceContext, ports: DossierPorts): DossierAttachmentsPort;
export function registerDossiers<Index extends DossierReadModel>(
  context: ServiceContext,
  ports: DossierPorts,
  readModel: (store: DossierStore) => Index,
): DossierAttachmentsPort & { index: Index };
export function registerDossiers(context: ServiceContext, ports: DossierPorts, readModel?: (store: DossierStore) => DossierReadModel): DossierAttachmentsPort & { index?: DossierReadModel } {
  const store = dossierStore(context);
  const places = wavePlacesStore(context, store);
  const index = readModel?.(store);
  registerDossierRoutes(context, store, ports, { places, numbers: receiptNumbers(context.db) });
  registerDossierHandlers(context, store, places, index);
  scheduleDraftReminders(context, store, ports);

  const decided = async (dossierId: string, decide: (dossier: Dossier) => DossierDecision) => (await store.commands.handleExisting(dossierId, decide))?.decision ?? null;
  return {
    index,
    get: store.get,
    readable: dossierReader(store, ports),
    attachable: async (dossierId) => {
      const dossier = await store.get(dossierId);
      return dossier && attachable(dossier);
    },
    attach: (dossierId, attachment) => decided(dossierId, (d) => attach(d, attachment, new Date())),
    detach: (dossierId, attachmentId) => decided(dossierId, (d) => detach(d, attachmentId, new Date())),
  };
}
