import multipart from '@fastify/multipart';
import type { z } from 'zod';
import type { attachmentSnapshot } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierModel } from '../dossiers/dossier.model';
import { MULTIPART_LIMITS } from './attachment-limits';
import { attachmentModel, attachmentsOf } from './attachment.model';
import { registerAttachmentRoutes, toSnapshot } from './attachment-routes';
import { GridFsStorage } from './gridfs-storage';

export type AttachmentSnapshot = z.infer<typeof attachmentSnapshot>;

/** What the rest of the service reads of attachments (the submission's snapshot, required documents). */
export interface AttachmentCatalog {
  /** A dossier's attachments, oldest first. */
  listForDossier(dossierId: string): Promise<AttachmentSnapshot[]>;
}

/**
 * The attachments slice: multipart upload, list, download and removal of a dossier's files, their
 * metadata in `attachments` and their bytes in GridFS.
 */
export async function registerAttachments(context: ServiceContext, deps: { Dossier: DossierModel }): Promise<AttachmentCatalog> {
  const Attachment = attachmentModel(context.db);
  const storage = new GridFsStorage(context.db, context.logger);
  await context.http.register(multipart, { limits: MULTIPART_LIMITS });
  registerAttachmentRoutes(context.http, { Dossier: deps.Dossier, Attachment, storage, logger: context.logger });
  return {
    listForDossier: async (dossierId) => (await attachmentsOf(Attachment, dossierId)).map(toSnapshot),
  };
}
