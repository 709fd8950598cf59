import { Schema } from 'mongoose';
import { insertOnce, type ServiceContext } from '@aap/service-runtime';
import type { Agreement, AwardState } from '../awards/award';
import { renderCountersigned, renderSigned, sha256Of } from './agreement-pdf';

/**
 * The agreement's PDFs, one stored document per version, never changed once written. The award holds
 * the issued document's SHA-256 and who signed when; the signed versions are made from the stored
 * version before them and that state, deterministically, and stored the first time they are needed
 * (right after the signature, or at the first read if the service stopped in between): whoever reads
 * first stores, the others find it, and every download gives the bytes stored.
 */

export const AGREEMENT_VERSIONS = ['issued', 'signed', 'countersigned'] as const;
export type AgreementVersion = (typeof AGREEMENT_VERSIONS)[number];

/** The versions an agreement has, in order: issued, then signed, then countersigned. */
export const versionsOf = (agreement: Agreement): AgreementVersion[] =>
  agreement.countersignedAt ? ['issued', 'signed', 'countersigned'] : agreement.signedAt ? ['issued', 'signed'] : ['issued'];

export interface StoredVersion {
  version: AgreementVersion;
  sha256: string;
  sizeBytes: number;
  content: Buffer;
}

interface AgreementDocument extends StoredVersion {
  /** `<awardId>/<issued SHA-256>/<version>`: a version of one issued document is written once. */
  _id: string;
  awardId: string;
  agreementSha256: string;
}

const documentId = (awardId: string, agreementSha256: string, version: AgreementVersion) => `${awardId}/${agreementSha256}/${version}`;

export interface AgreementDocuments {
  /** Stores the issued document (before the award records its SHA-256, so a recorded agreement always has its PDF). */
  storeIssued(awardId: string, bytes: Uint8Array): Promise<StoredVersion>;
  /** A version of the award's agreement, made and stored on first need; null when the agreement has no such version (yet). */
  version(award: AwardState, version: AgreementVersion): Promise<StoredVersion | null>;
}

export function agreementDocuments(context: ServiceContext): AgreementDocuments {
  const required = { required: true } as const;
  const schema = new Schema<AgreementDocument>({
    _id: { type: String, ...required },
    awardId: { type: String, ...required },
    agreementSha256: { type: String, ...required },
    version: { type: String, enum: AGREEMENT_VERSIONS, ...required },
    sha256: { type: String, ...required },
    sizeBytes: { type: Number, ...required },
    content: { type: Buffer, ...required },
  });
  const model = context.model('AgreementDocument', schema, { collection: 'agreement_documents' });

  async function store(awardId: string, agreementSha256: string, version: AgreementVersion, bytes: Uint8Array): Promise<StoredVersion> {
    const _id = documentId(awardId, agreementSha256, version);
    const content = Buffer.from(bytes);
    await insertOnce(model, { _id, awardId, agreementSha256, version, sha256: sha256Of(content), sizeBytes: content.length, content });
    // What is stored wins: another request may have stored this version first.
    return (await find(_id))!;
  }

  async function find(_id: string): Promise<StoredVersion | null> {
    const doc = await model.findById(_id).lean<AgreementDocument>();
    if (!doc) return null;
    // A lean read gives the driver's BSON Binary, not a Buffer.
    const raw = doc.content as Buffer | { value(): Uint8Array };
    const content = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.value());
    return { version: doc.version, sha256: doc.sha256, sizeBytes: doc.sizeBytes, content };
  }

  async function version(award: AwardState, wanted: AgreementVersion): Promise<StoredVersion | null> {
    const agreement = award.agreement;
    if (!agreement || !versionsOf(agreement).includes(wanted)) return null;
    const stored = await find(documentId(award.awardId, agreement.sha256, wanted));
    if (stored) return stored;
    if (wanted === 'issued') throw new Error(`the issued agreement ${agreement.sha256} of award ${award.awardId} is not stored`);
    const previous = (await version(award, wanted === 'signed' ? 'issued' : 'signed'))!;
    const bytes = wanted === 'signed' ? await renderSigned(previous.content, award) : await renderCountersigned(previous.content, award);
    return store(award.awardId, agreement.sha256, wanted, bytes);
  }

  return {
    storeIssued: (awardId, bytes) => store(awardId, sha256Of(bytes), 'issued', bytes),
    version,
  };
}
