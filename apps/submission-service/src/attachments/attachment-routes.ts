import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { attachmentSnapshot, type DossierStatus } from '@aap/contracts';
import { callerOf, notFound, type Caller, type HttpServer } from '@aap/http';
import type { Logger } from '@aap/observability';
import { EDITABLE_STATUSES } from '../dossiers/dossier';
import { DOSSIER_READERS, findDossierFor } from '../dossiers/dossier-access';
import type { DossierDocument, DossierModel } from '../dossiers/dossier.model';
import { ALLOWED_CONTENT_TYPES, MAX_ATTACHMENTS_PER_DOSSIER, MAX_FILE_BYTES } from './attachment-limits';
import { attachmentsOf, type AttachmentDocument, type AttachmentModel } from './attachment.model';
import { contentTypeNotAllowed, dossierNotEditable, fileTooLarge, tooManyAttachments } from './attachment-refusals';
import { contentTypeRefusal, normalizeContentType, SNIFF_BYTES } from './content-sniffing';
import { downloadHeaders } from './download-headers';
import { FileTooLargeError, type FileStorage } from './storage';
import { discardUnreadBody, readHead, readUploadForm } from './upload-form';

export const attachmentView = attachmentSnapshot.extend({ uploadedAt: z.iso.datetime() });
export type AttachmentView = z.infer<typeof attachmentView>;

export const toSnapshot = (a: AttachmentDocument) => ({
  attachmentId: a._id,
  documentType: a.documentType,
  fileName: a.fileName,
  contentType: a.contentType,
  sizeBytes: a.sizeBytes,
  sha256: a.sha256,
});
const toView = (a: AttachmentDocument): AttachmentView => ({ ...toSnapshot(a), uploadedAt: a.uploadedAt.toISOString() });

const dossierParams = z.object({ dossierId: z.string().min(1).max(100) });
const attachmentParams = dossierParams.extend({ attachmentId: z.uuid() });
const isEditable = (status: DossierStatus) => EDITABLE_STATUSES.includes(status);

export interface AttachmentRouteDeps {
  Dossier: DossierModel;
  Attachment: AttachmentModel;
  storage: FileStorage;
  logger: Logger;
}

export function registerAttachmentRoutes(http: HttpServer, { Dossier, Attachment, storage, logger }: AttachmentRouteDeps): void {
  /**
   * The dossier the caller may change the attachments of: its own organisation's (even a token that
   * also carries a staff role never changes another organisation's files), in an editable status.
   */
  async function ownEditableDossier(caller: Caller, dossierId: string): Promise<DossierDocument> {
    const dossier = await findDossierFor(Dossier, caller, dossierId);
    if (dossier.organisationId !== caller.organisation) throw notFound(`Dossier ${dossierId}`);
    if (!isEditable(dossier.status)) throw dossierNotEditable(dossier.status);
    return dossier;
  }

  async function withdraw(attachment: AttachmentDocument): Promise<void> {
    await Attachment.deleteOne({ _id: attachment._id });
    await storage.remove(attachment.storageId);
  }

  http.post(
    '/dossiers/:dossierId/attachments',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags: ['attachments'],
        summary: 'Upload an attachment to a dossier (multipart/form-data: documentType, then file)',
        description:
          'A multipart/form-data body with a `documentType` field (a slug such as `deliberation`) followed by a `file` part ' +
          `of one of these types (checked by declared type and by content): ${Object.keys(ALLOWED_CONTENT_TYPES).join(', ')}; ` +
          `at most ${MAX_FILE_BYTES} bytes, ${MAX_ATTACHMENTS_PER_DOSSIER} attachments per dossier, only while it is ${EDITABLE_STATUSES.join(' or ')}.`,
        consumes: ['multipart/form-data'],
        params: dossierParams,
        response: { 201: attachmentView },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { dossierId } = request.params;
      try {
        const dossier = await ownEditableDossier(caller, dossierId);
        if ((await Attachment.countDocuments({ dossierId })) >= MAX_ATTACHMENTS_PER_DOSSIER) throw tooManyAttachments();

        const { documentType, file } = await readUploadForm(request);
        const { head, content } = await readHead(file.file, SNIFF_BYTES);
        const typeRefusal = contentTypeRefusal(file.mimetype, head);
        if (typeRefusal) throw contentTypeNotAllowed(typeRefusal);

        const attachmentId = randomUUID();
        const contentType = normalizeContentType(file.mimetype);
        const stored = await storage
          .save({ fileName: file.filename, contentType, stream: content, metadata: { attachmentId, dossierId, documentType } })
          .catch((error: unknown) => {
            throw error instanceof FileTooLargeError ? fileTooLarge() : error;
          });
        const attachment: AttachmentDocument = {
          _id: attachmentId,
          dossierId,
          organisationId: dossier.organisationId,
          documentType,
          fileName: file.filename,
          contentType,
          ...stored,
          uploadedBy: caller.userId,
          uploadedAt: new Date(),
        };
        try {
          await Attachment.create(attachment);
        } catch (error) {
          await storage.remove(stored.storageId);
          throw error;
        }

        // No transactions: another upload, or the submission, may have happened while this file
        // streamed. Checked again now that it is recorded; uploads racing for the last place may all
        // withdraw (the client retries), but the dossier never keeps more than the limit.
        const [current, count] = await Promise.all([
          Dossier.findById(dossierId, { status: 1 }).lean<Pick<DossierDocument, 'status'>>(),
          Attachment.countDocuments({ dossierId }),
        ]);
        const lateRefusal = !current
          ? notFound(`Dossier ${dossierId}`)
          : !isEditable(current.status)
            ? dossierNotEditable(current.status)
            : count > MAX_ATTACHMENTS_PER_DOSSIER
              ? tooManyAttachments()
              : undefined;
        if (lateRefusal) {
          await withdraw(attachment);
          throw lateRefusal;
        }

        return reply
          .status(201)
          .header('location', `/dossiers/${encodeURIComponent(dossierId)}/attachments/${attachmentId}`)
          .send(toView(attachment));
      } catch (error) {
        discardUnreadBody(request);
        throw error;
      }
    },
  );

  http.get(
    '/dossiers/:dossierId/attachments',
    {
      config: { access: { roles: DOSSIER_READERS } },
      schema: {
        tags: ['attachments'],
        summary: "A dossier's attachments, oldest first",
        params: dossierParams,
        response: { 200: z.object({ items: z.array(attachmentView) }) },
      },
    },
    async (request) => {
      await findDossierFor(Dossier, callerOf(request), request.params.dossierId);
      return { items: (await attachmentsOf(Attachment, request.params.dossierId)).map(toView) };
    },
  );

  http.get(
    '/dossiers/:dossierId/attachments/:attachmentId',
    {
      config: { access: { roles: DOSSIER_READERS } },
      schema: {
        tags: ['attachments'],
        summary: 'Download an attachment (its bytes, with a Repr-Digest header carrying its SHA-256)',
        params: attachmentParams,
      },
    },
    async (request, reply) => {
      const { dossierId, attachmentId } = request.params;
      await findDossierFor(Dossier, callerOf(request), dossierId);
      const attachment = await Attachment.findOne({ _id: attachmentId, dossierId }).lean<AttachmentDocument>();
      if (!attachment) throw notFound(`Attachment ${attachmentId}`);
      const bytes = await storage.open(attachment.storageId);
      return reply.headers(downloadHeaders(attachment)).send(bytes);
    },
  );

  http.delete(
    '/dossiers/:dossierId/attachments/:attachmentId',
    {
      config: { access: { roles: ['applicant'] } },
      schema: {
        tags: ['attachments'],
        summary: `Remove an attachment from a dossier (only while it is ${EDITABLE_STATUSES.join(' or ')})`,
        params: attachmentParams,
      },
    },
    async (request, reply) => {
      const { dossierId, attachmentId } = request.params;
      await ownEditableDossier(callerOf(request), dossierId);
      const attachment = await Attachment.findOneAndDelete({ _id: attachmentId, dossierId }).lean<AttachmentDocument>();
      if (!attachment) throw notFound(`Attachment ${attachmentId}`);
      // The attachment is gone for everyone once its metadata is; bytes left behind are only unreachable garbage.
      await storage.remove(attachment.storageId).catch((error: unknown) =>
        logger.error({ err: error, storageId: attachment.storageId, attachmentId }, 'could not remove the bytes of a deleted attachment'),
      );
      return reply.status(204).send();
    },
  );
}
