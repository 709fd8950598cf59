import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { attachmentSnapshot, EDITABLE_STATUSES } from '@aap/contracts';
import { callerOf, fileAnswer, noContentAnswer, notFound, policies, ROLE_SETS, type Caller, type HttpServer } from '@aap/http';
import type { Logger } from '@aap/observability';
import type { AttachmentEntry, Dossier, DossierAttachmentsPort, DossierDecision } from '../dossiers';
import { ALLOWED_CONTENT_TYPES, contentTypeRefusal, MAX_ATTACHMENTS_PER_DOSSIER, MAX_FILE_BYTES, officeContainerCheck } from './attachment-limits';
import { contentTypeNotAllowed, dossierNotEditable, fileTooLarge, officeContainerInvalid, tooManyAttachments } from './attachment-refusals';
import { normalizeContentType, SNIFF_BYTES } from './content-sniffing';
import { downloadHeaders } from './download-headers';
import { CONTAINER_HEAD_BYTES, CONTAINER_TAIL_BYTES } from './office-containers';
import { FileTooLargeError, type FileStorage } from './storage';
import { checkedAtEnd, discardUnreadBody, readHead, readUploadForm } from './upload-form';

export const attachmentView = attachmentSnapshot.extend({ uploadedAt: z.iso.datetime() });
export type AttachmentView = z.infer<typeof attachmentView>;

export const toSnapshot = (a: AttachmentEntry) => ({
  attachmentId: a.attachmentId,
  documentType: a.documentType,
  fileName: a.fileName,
  contentType: a.contentType,
  sizeBytes: a.sizeBytes,
  sha256: a.sha256,
});
const toView = (a: AttachmentEntry): AttachmentView => ({ ...toSnapshot(a), uploadedAt: a.uploadedAt.toISOString() });

const dossierParams = z.object({ dossierId: z.string().min(1).max(100) });
const attachmentParams = dossierParams.extend({ attachmentId: z.uuid() });

export interface AttachmentRouteDeps {
  dossiers: DossierAttachmentsPort;
  storage: FileStorage;
  logger: Logger;
}

/** The problem answering a refused attachment change (each names its rule). */
function refusalOf(decision: DossierDecision, dossierId: string): Error | undefined {
  if (decision.outcome === 'wrong-status') return dossierNotEditable(decision.status);
  if (decision.outcome === 'refused') {
    return decision.violations.some((v) => v.name === 'too-many-attachments') ? tooManyAttachments() : notFound(`Attachment of dossier ${dossierId}`);
  }
  return undefined;
}

export function registerAttachmentRoutes(http: HttpServer, { dossiers, storage, logger }: AttachmentRouteDeps): void {
  /** The dossier if the caller may read it (the dossiers' one access rule; otherwise 404, like one that does not exist). */
  const readable = (caller: Caller, dossierId: string) => dossiers.readable(caller, dossierId);
  /** Attachments change only by the dossier's own organisation (`act-as`: even a token that also carries a staff role); another's answers 404. */
  async function ownDossier(caller: Caller, dossierId: string): Promise<Dossier> {
    const dossier = await dossiers.get(dossierId);
    policies.ownOrganisation(caller, dossier?.organisationId, `Dossier ${dossierId}`, 'act-as');
    return dossier!;
  }
  const removeBytes = (storageId: string, attachmentId: string) =>
    storage.remove(storageId).catch((error: unknown) => logger.error({ err: error, storageId, attachmentId }, 'could not remove the bytes of an attachment'));

  http.post(
    '/dossiers/:dossierId/attachments',
    {
      config: { access: { roles: ['applicant'] }, problems: [409, 413, 415, 422] },
      schema: {
        operationId: 'uploadAttachment',
        tags: ['attachments'],
        summary: 'Upload an attachment to a dossier (multipart/form-data: documentType, then file)',
        description:
          'A multipart/form-data body with a `documentType` field (a slug such as `deliberation`) followed by a `file` part ' +
          `of one of these types (checked by declared type and by content; an Office document must be a ZIP holding that document's parts): ${Object.keys(ALLOWED_CONTENT_TYPES).join(', ')}; ` +
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
        await ownDossier(caller, dossierId);
        const allowed = await dossiers.attachable(dossierId);
        const refusal = allowed && refusalOf(allowed, dossierId);
        if (refusal) throw refusal;

        const { documentType, file } = await readUploadForm(request);
        const { head, content } = await readHead(file.file, SNIFF_BYTES);
        const typeRefusal = contentTypeRefusal(file.mimetype, head);
        if (typeRefusal) throw contentTypeNotAllowed(typeRefusal);

        // An Office type is a ZIP holding that document's parts: checked at the end of the stream, a refusal stores nothing.
        const containerCheck = officeContainerCheck(file.mimetype);
        const stream = containerCheck
          ? checkedAtEnd(content, CONTAINER_HEAD_BYTES, CONTAINER_TAIL_BYTES, (head, tail, size) => {
              const why = containerCheck(head, tail, size);
              return why === undefined ? undefined : officeContainerInvalid(why);
            })
          : content;
        const attachmentId = randomUUID();
        const contentType = normalizeContentType(file.mimetype);
        const stored = await storage
          .save({ fileName: file.filename, contentType, stream, metadata: { attachmentId, dossierId, documentType } })
          .catch((error: unknown) => {
            throw error instanceof FileTooLargeError ? fileTooLarge() : error;
          });
        const attachment: AttachmentEntry = {
          attachmentId,
          documentType,
          fileName: file.filename,
          contentType,
          ...stored,
          uploadedBy: caller.userId,
          uploadedAt: new Date(),
        };
        // Recorded on the dossier with a guarded write, decided again on what is stored now: another
        // upload or the submission may have happened while the file streamed. Refused → its bytes go.
        const recorded = await dossiers.attach(dossierId, attachment).catch(async (error: unknown) => {
          await removeBytes(stored.storageId, attachmentId);
          throw error;
        });
        const lateRefusal = recorded ? refusalOf(recorded, dossierId) : notFound(`Dossier ${dossierId}`);
        if (lateRefusal) {
          await removeBytes(stored.storageId, attachmentId);
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
      config: { access: { roles: ROLE_SETS.readers } },
      schema: {
        operationId: 'listAttachments',
        tags: ['attachments'],
        summary: "A dossier's attachments, oldest first",
        params: dossierParams,
        response: { 200: z.object({ items: z.array(attachmentView) }) },
      },
    },
    async (request) => {
      const dossier = await readable(callerOf(request), request.params.dossierId);
      return { items: dossier.attachments.map(toView) };
    },
  );

  http.get(
    '/dossiers/:dossierId/attachments/:attachmentId',
    {
      config: { access: { roles: ROLE_SETS.readers } },
      schema: {
        operationId: 'downloadAttachment',
        tags: ['attachments'],
        summary: 'Download an attachment (its bytes, with a Repr-Digest header carrying its SHA-256)',
        params: attachmentParams,
        response: { 200: fileAnswer(Object.keys(ALLOWED_CONTENT_TYPES), 'The attachment’s bytes, in the type it was accepted as') },
      },
    },
    async (request, reply) => {
      const { dossierId, attachmentId } = request.params;
      const dossier = await readable(callerOf(request), dossierId);
      const attachment = dossier.attachments.find((a) => a.attachmentId === attachmentId);
      if (!attachment) throw notFound(`Attachment ${attachmentId}`);
      const bytes = await storage.open(attachment.storageId);
      return reply.headers(downloadHeaders(attachment)).send(bytes);
    },
  );

  http.delete(
    '/dossiers/:dossierId/attachments/:attachmentId',
    {
      config: { access: { roles: ['applicant'] }, problems: [409] },
      schema: {
        operationId: 'deleteAttachment',
        tags: ['attachments'],
        summary: `Remove an attachment from a dossier (only while it is ${EDITABLE_STATUSES.join(' or ')})`,
        params: attachmentParams,
        response: { 204: noContentAnswer('The attachment is removed') },
      },
    },
    async (request, reply) => {
      const { dossierId, attachmentId } = request.params;
      const dossier = await ownDossier(callerOf(request), dossierId);
      const attachment = dossier.attachments.find((a) => a.attachmentId === attachmentId);
      if (!attachment) throw notFound(`Attachment ${attachmentId}`);
      const removed = await dossiers.detach(dossierId, attachmentId);
      const refusal = removed ? refusalOf(removed, dossierId) : notFound(`Dossier ${dossierId}`);
      if (refusal) throw refusal;
      // The attachment is gone for everyone once the dossier no longer lists it; bytes left behind are only unreachable garbage.
      await removeBytes(attachment.storageId, attachmentId);
      return reply.status(204).send();
    },
  );
}
