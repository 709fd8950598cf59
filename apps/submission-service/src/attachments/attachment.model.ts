import { Schema, type Connection, type Model } from 'mongoose';

/** An attachment's metadata; its bytes are in the file storage under `storageId`. */
export interface AttachmentDocument {
  /** The attachmentId (uuid). */
  _id: string;
  dossierId: string;
  organisationId: string;
  /** What the file is for, a slug such as `deliberation` (the call's required documents name them). */
  documentType: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** Lowercase hex SHA-256 of the bytes, computed while they were stored. */
  sha256: string;
  storageId: string;
  uploadedBy: string;
  uploadedAt: Date;
}

export type AttachmentModel = Model<AttachmentDocument>;

export function attachmentModel(db: Connection): AttachmentModel {
  const schema = new Schema<AttachmentDocument>(
    {
      _id: { type: String, required: true },
      dossierId: { type: String, required: true, index: true },
      organisationId: { type: String, required: true },
      documentType: { type: String, required: true },
      fileName: { type: String, required: true },
      contentType: { type: String, required: true },
      sizeBytes: { type: Number, required: true },
      sha256: { type: String, required: true },
      storageId: { type: String, required: true },
      uploadedBy: { type: String, required: true },
      uploadedAt: { type: Date, required: true },
    },
    { collection: 'attachments', versionKey: false },
  );
  return db.model<AttachmentDocument>('Attachment', schema);
}

/** A dossier's attachments, oldest first. */
export function attachmentsOf(Attachment: AttachmentModel, dossierId: string): Promise<AttachmentDocument[]> {
  return Attachment.find({ dossierId }).sort({ uploadedAt: 1, _id: 1 }).lean<AttachmentDocument[]>().exec();
}
