import type { DossierStatus } from '@aap/contracts';
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
import { keepFromOwnFacts, type DossierReadModel } from './read-models';

export type { AttachmentEntry, Dossier, DossierDecision } from './dossier';
export { MAX_ATTACHMENTS_PER_DOSSIER } from './dossier';
export type { DossierPorts } from './dossier.routes';
export type { DossierReadModel } from './read-models';
export type { DossierStore } from './dossier.store';

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

/** What the exports read: every dossier of a call as a stream, in store order (`DossierStore.ofCall`). */
export interface DossierStreamPort {
  ofCall(callId: string, equalities?: { status?: DossierStatus; waveId?: string }): AsyncIterable<Dossier>;
}

/**
 * `readModels` are built on the dossiers' store (the staff lists' index, the export lines) and kept by
 * this slice: after each of this service's own dossier facts and each evaluation fact it applies (read-models.ts).
 */
export function registerDossiers<Models extends Record<string, DossierReadModel> = Record<never, DossierReadModel>>(
  context: ServiceContext,
  ports: DossierPorts,
  readModels?: (store: DossierStore) => Models,
): DossierAttachmentsPort & DossierStreamPort & { readModels: Models } {
  const store = dossierStore(context);
  const places = wavePlacesStore(context, store);
  const models = readModels?.(store) ?? ({} as Models);
  keepFromOwnFacts(context, store, Object.values(models));
  registerDossierRoutes(context, store, ports, { places, numbers: receiptNumbers(context.db) });
  registerDossierHandlers(context, store, places, Object.values(models));
  scheduleDraftReminders(context, store, ports);

  const decided = async (dossierId: string, decide: (dossier: Dossier) => DossierDecision) => (await store.commands.handleExisting(dossierId, decide))?.decision ?? null;
  return {
    readModels: models,
    get: store.get,
    ofCall: store.ofCall,
    readable: dossierReader(store, ports),
    attachable: async (dossierId) => {
      const dossier = await store.get(dossierId);
      return dossier && attachable(dossier);
    },
    attach: (dossierId, attachment) => decided(dossierId, (d) => attach(d, attachment, new Date())),
    detach: (dossierId, attachmentId) => decided(dossierId, (d) => detach(d, attachmentId, new Date())),
  };
}
