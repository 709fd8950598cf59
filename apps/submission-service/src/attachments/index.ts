import multipart from '@fastify/multipart';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierAttachmentsPort } from '../dossiers';
import { MULTIPART_LIMITS } from './attachment-limits';
import { registerAttachmentRoutes } from './attachment.routes';
import { GridFsStorage } from './gridfs-storage';

/**
 * The attachments slice: multipart upload, list, download and removal of a dossier's files. Their
 * metadata is part of the dossier (through the dossiers' port), their bytes are in GridFS.
 */
export async function registerAttachments(context: ServiceContext, dossiers: DossierAttachmentsPort): Promise<void> {
  const storage = new GridFsStorage(context.db, context.logger);
  await context.http.register(multipart, { limits: MULTIPART_LIMITS });
  registerAttachmentRoutes(context.http, { dossiers, storage, logger: context.logger });
}
