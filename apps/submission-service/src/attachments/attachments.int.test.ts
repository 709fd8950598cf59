import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import mongoose from 'mongoose';
import { authHeaders, useTestEnvironment } from '@aap/test-harness';
import type { RunningService, ServiceModule } from '@aap/service-runtime';
import type { CallSnapshot, DossierStatus } from '@aap/contracts';
import type { Role } from '@aap/http';
import { registerDossiers, type DossierAttachmentsPort } from '../dossiers';
import { registerReviewerAccess } from '../reviewer-access';
import { MAX_ATTACHMENTS_PER_DOSSIER, MAX_FILE_BYTES } from './attachment-limits';
import { registerAttachments } from './index';
import { docx, DOCX, odf, ODT, plainZip, XLSX } from './testing-office-files';

const env = useTestEnvironment();

const ORGANISATION = '216901231';
const OTHER_ORGANISATION = '200046977';

let dossiers: DossierAttachmentsPort;
/** The dossier's attachments as the rest of the service reads them (their snapshots). */
const catalog = {
  listForDossier: async (dossierId: string) =>
    ((await dossiers.get(dossierId))?.attachments ?? []).map(({ attachmentId, documentType, fileName, contentType, sizeBytes, sha256 }) => ({ attachmentId, documentType, fileName, contentType, sizeBytes, sha256 })),
};
const attachmentsTest: ServiceModule = {
  name: 'submission',
  description: 'attachments test',
  register: async (context) => {
    // Attachments only need the dossiers' port; no organisation is read here, and of a call only its team (staff reads).
    const team = { 'programme-manager': ['user-programme-manager-staff'], committee: ['user-committee-staff'], finance: [] };
    dossiers = registerDossiers(context, {
      calls: { get: async (callId) => ({ callId, team }) as unknown as CallSnapshot, published: async () => [], idsOnTeam: async () => [] },
      organisations: { get: async () => null },
      reviewers: registerReviewerAccess(context),
    });
    await registerAttachments(context, dossiers);
  },
};

const db = () => env.database('submission');
/** An attachment's metadata, stored in its dossier's `attachments`. */
const storedAttachment = async (dossierId: string, attachmentId: string) =>
  ((await db().collection('dossiers').findOne({ _id: dossierId as never }))?.attachments ?? []).find((a: { attachmentId: string }) => a.attachmentId === attachmentId);
const attachmentCount = async (filter: Record<string, unknown> = {}) =>
  (await db().collection('dossiers').find(filter).toArray()).reduce((sum, d) => sum + (d.attachments?.length ?? 0), 0);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** A small but real PDF, larger than one GridFS chunk (255 KiB) so the bytes span several. */
const pdf = (size = 600_000) => Buffer.concat([Buffer.from('%PDF-1.7\n%âãÏÓ\n', 'latin1'), randomBytes(size)]);
const PNG_BYTES = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(100)]);

async function insertDossier(overrides: { organisationId?: string; status?: DossierStatus } = {}): Promise<string> {
  const _id = randomUUID();
  const now = new Date();
  await db()
    .collection('dossiers')
    .insertOne({
      _id: _id as never,
      organisationId: ORGANISATION,
      status: 'draft',
      callId: 'c',
      waveId: 'w',
      project: {},
      budget: {},
      complementRequests: [],
      appliedEventIds: [],
      history: [],
      createdBy: 'x',
      createdAt: now,
      updatedAt: now,
      version: 1,
      ...overrides,
    });
  return _id;
}

/** Authorization only: fetch sets the multipart content type (with its boundary) itself. */
async function as(roles: Role[], org?: string): Promise<Record<string, string>> {
  const { 'content-type': _json, ...headers } = await authHeaders({ roles, org, sub: `user-${roles.join('-')}-${org ?? 'staff'}` });
  return headers;
}
const applicant = () => as(['applicant'], ORGANISATION);
const otherApplicant = () => as(['applicant'], OTHER_ORGANISATION);
const reviewer = () => as(['reviewer']);

interface UploadFile {
  bytes: Uint8Array;
  type: string;
  name: string;
}
const aPdf = (bytes = pdf()): UploadFile => ({ bytes, type: 'application/pdf', name: 'délibération du conseil.pdf' });

/** documentType then file, in this order (or `fileFirst`), as a browser form would send them. */
function form(parts: { documentType?: string; file?: UploadFile; fileFirst?: boolean }): FormData {
  const body = new FormData();
  const addFile = () => parts.file && body.append('file', new Blob([parts.file.bytes], { type: parts.file.type }), parts.file.name);
  if (parts.fileFirst) addFile();
  if (parts.documentType !== undefined) body.append('documentType', parts.documentType);
  if (!parts.fileFirst) addFile();
  return body;
}

describe('dossier attachments (multipart upload into GridFS)', () => {
  let service: RunningService;
  const url = (path: string) => `${service.url}${path}`;
  const upload = async (dossierId: string, body: FormData, headers?: Record<string, string>) =>
    fetch(url(`/dossiers/${dossierId}/attachments`), { method: 'POST', headers: headers ?? (await applicant()), body });
  const storedCounts = async () => ({
    attachments: await attachmentCount(),
    files: await db().collection('attachments.files').countDocuments(),
    chunks: await db().collection('attachments.chunks').countDocuments(),
  });

  /** The answer is problem+json naming the rule, and nothing more is stored than before. */
  async function expectRefused(response: Response, status: number, rule: string, before: Awaited<ReturnType<typeof storedCounts>>) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { type: string; errors: Array<{ name: string; in: string; detail: string }> };
    expect(problem.type).toBe(`https://aap.anct.gouv.fr/problems/${rule}`);
    expect(problem.errors).toEqual([expect.objectContaining({ name: rule, in: 'rule' })]);
    expect(await storedCounts()).toEqual(before);
    return problem;
  }

  beforeAll(async () => {
    service = await env.startService(attachmentsTest);
  });

  it('uploads a PDF, lists it, and gives back the very same bytes with their digest', async () => {
    const dossierId = await insertDossier();
    const bytes = pdf();
    const uploaded = await upload(dossierId, form({ documentType: 'deliberation', file: aPdf(bytes) }));
    expect(uploaded.status).toBe(201);
    const attachment = (await uploaded.json()) as Record<string, unknown>;
    expect(attachment).toEqual({
      attachmentId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      documentType: 'deliberation',
      fileName: 'délibération du conseil.pdf',
      contentType: 'application/pdf',
      sizeBytes: bytes.length,
      sha256: sha256(bytes),
      uploadedAt: expect.any(String),
    });
    expect(uploaded.headers.get('location')).toBe(`/dossiers/${dossierId}/attachments/${attachment.attachmentId}`);

    const listed = await fetch(url(`/dossiers/${dossierId}/attachments`), { headers: await applicant() });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ items: [attachment] });
    const { uploadedAt: _, ...snapshot } = attachment;
    expect(await catalog.listForDossier(dossierId)).toEqual([snapshot]);

    const downloaded = await fetch(url(`/dossiers/${dossierId}/attachments/${attachment.attachmentId}`), { headers: await applicant() });
    expect(downloaded.status).toBe(200);
    const received = Buffer.from(await downloaded.arrayBuffer());
    expect(received.equals(bytes)).toBe(true);
    expect(sha256(received)).toBe(attachment.sha256);
    expect(downloaded.headers.get('content-type')).toBe('application/pdf');
    expect(downloaded.headers.get('content-length')).toBe(String(bytes.length));
    expect(downloaded.headers.get('content-disposition')).toBe(
      `attachment; filename="d_lib_ration du conseil.pdf"; filename*=UTF-8''d%C3%A9lib%C3%A9ration%20du%20conseil.pdf`,
    );
    expect(downloaded.headers.get('repr-digest')).toBe(`sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`);
    expect(downloaded.headers.get('x-content-type-options')).toBe('nosniff');

    // Metadata in the dossier's `attachments`, bytes in GridFS, tied by storageId.
    const stored = await storedAttachment(dossierId, attachment.attachmentId as string);
    expect(stored).toMatchObject({ attachmentId: attachment.attachmentId, uploadedBy: `user-applicant-${ORGANISATION}`, sha256: sha256(bytes) });
    const file = await db().collection('attachments.files').findOne({ _id: new mongoose.mongo.ObjectId(stored!.storageId as string) });
    expect(file).toMatchObject({ length: bytes.length, metadata: { dossierId, attachmentId: attachment.attachmentId, documentType: 'deliberation' } });
  });

  it('lets staff who may read every dossier download, but not upload or delete; a reviewer not assigned gets 404', async () => {
    const dossierId = await insertDossier();
    const bytes = pdf(1_000);
    const uploaded = await upload(dossierId, form({ documentType: 'statuts', file: aPdf(bytes) }));
    expect(uploaded.status).toBe(201);
    const { attachmentId } = (await uploaded.json()) as { attachmentId: string };

    const downloaded = await fetch(url(`/dossiers/${dossierId}/attachments/${attachmentId}`), { headers: await as(['committee']) });
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);
    const listed = await fetch(url(`/dossiers/${dossierId}/attachments`), { headers: await as(['programme-manager']) });
    expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(1);
    // Reviewers read only the dossiers assigned to them (reviewer-access/reviewer-access.int.test.ts), never a draft.
    expect((await fetch(url(`/dossiers/${dossierId}/attachments/${attachmentId}`), { headers: await reviewer() })).status).toBe(404);

    expect((await upload(dossierId, form({ documentType: 'statuts', file: aPdf() }), await reviewer())).status).toBe(403);
    const deleted = await fetch(url(`/dossiers/${dossierId}/attachments/${attachmentId}`), { method: 'DELETE', headers: await reviewer() });
    expect(deleted.status).toBe(403);
    // A token with a staff role besides applicant still only changes its own organisation's dossiers.
    const mixed = await upload(dossierId, form({ documentType: 'statuts', file: aPdf() }), await as(['applicant', 'reviewer'], OTHER_ORGANISATION));
    expect(mixed.status).toBe(404);
  });

  it("answers 404 to an applicant of another organisation, exactly as for a dossier that does not exist", async () => {
    const dossierId = await insertDossier();
    const { attachmentId } = (await (await upload(dossierId, form({ documentType: 'deliberation', file: aPdf() }))).json()) as { attachmentId: string };
    const before = await storedCounts();
    const headers = await otherApplicant();

    const responses = [
      await fetch(url(`/dossiers/${dossierId}/attachments`), { headers }),
      await fetch(url(`/dossiers/${dossierId}/attachments/${attachmentId}`), { headers }),
      await upload(dossierId, form({ documentType: 'deliberation', file: aPdf() }), headers),
      await fetch(url(`/dossiers/${dossierId}/attachments/${attachmentId}`), { method: 'DELETE', headers }),
      await fetch(url(`/dossiers/${randomUUID()}/attachments`), { headers: await applicant() }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(((await response.json()) as { type: string }).type).toBe('https://aap.anct.gouv.fr/problems/not-found');
    }
    expect(await storedCounts()).toEqual(before);

    // An attachment of another dossier is not reachable through this one.
    const otherDossierId = await insertDossier({ organisationId: OTHER_ORGANISATION });
    const crossed = await fetch(url(`/dossiers/${otherDossierId}/attachments/${attachmentId}`), { headers });
    expect(crossed.status).toBe(404);
  });

  it('refuses a file over 10 MiB with file-too-large, leaving no chunk behind, and accepts one of exactly 10 MiB', async () => {
    const dossierId = await insertDossier();
    const before = await storedCounts();
    const tooLarge = await upload(dossierId, form({ documentType: 'deliberation', file: aPdf(pdf(MAX_FILE_BYTES + 1 - 15)) }));
    await expectRefused(tooLarge, 413, 'file-too-large', before);

    const atLimit = pdf(MAX_FILE_BYTES - 15);
    expect(atLimit.length).toBe(MAX_FILE_BYTES);
    const accepted = await upload(dossierId, form({ documentType: 'deliberation', file: aPdf(atLimit) }));
    expect(accepted.status).toBe(201);
    expect(((await accepted.json()) as { sha256: string }).sha256).toBe(sha256(atLimit));
  });

  it('refuses a type that is not accepted, and a file whose bytes are not of its declared type', async () => {
    const dossierId = await insertDossier();
    const before = await storedCounts();
    const cases: UploadFile[] = [
      { bytes: Buffer.from('plain text'), type: 'text/plain', name: 'notes.txt' },
      { bytes: PNG_BYTES, type: 'application/pdf', name: 'scan.pdf' },
      { bytes: Buffer.from('this is not a PDF at all'), type: 'application/pdf', name: 'fake.pdf' },
      { bytes: pdf(10), type: 'application/octet-stream', name: 'unknown.bin' },
      { bytes: Buffer.alloc(0), type: 'application/pdf', name: 'empty.pdf' },
    ];
    for (const file of cases) {
      const problem = await expectRefused(await upload(dossierId, form({ documentType: 'deliberation', file })), 415, 'content-type-not-allowed', before);
      expect(problem.errors[0]!.detail).toBeTruthy();
    }
    // The connection is still usable after refusals that left the body unread.
    expect((await upload(dossierId, form({ documentType: 'logo', file: { bytes: PNG_BYTES, type: 'image/png', name: 'logo.png' } }))).status).toBe(201);
  });

  it('refuses a plain ZIP renamed .docx (or an ODF of another type) with office-container, storing nothing; takes real Office files', async () => {
    const dossierId = await insertDossier();
    const before = await storedCounts();
    const renamed = await expectRefused(await upload(dossierId, form({ documentType: 'budget-plan', file: { bytes: plainZip(), type: DOCX, name: 'budget.docx' } })), 415, 'office-container', before);
    expect(renamed.errors[0]!.detail).toBe(`the file is declared ${DOCX} but it is a ZIP without [Content_Types].xml and word/document.xml`);
    await expectRefused(await upload(dossierId, form({ documentType: 'budget-plan', file: { bytes: docx(), type: XLSX, name: 'budget.xlsx' } })), 415, 'office-container', before);
    await expectRefused(await upload(dossierId, form({ documentType: 'statuts', file: { bytes: plainZip(), type: ODT, name: 'statuts.odt' } })), 415, 'office-container', before);

    for (const file of [{ bytes: docx(), type: DOCX, name: 'budget.docx' }, { bytes: odf(ODT), type: ODT, name: 'statuts.odt' }]) {
      const accepted = await upload(dossierId, form({ documentType: 'budget-plan', file }));
      expect(accepted.status).toBe(201);
      expect(((await accepted.json()) as { sha256: string }).sha256).toBe(sha256(file.bytes));
    }
  });

  it('refuses a form whose documentType is missing, not a slug, or after the file', async () => {
    const dossierId = await insertDossier();
    const before = await storedCounts();
    for (const body of [
      form({ file: aPdf() }),
      form({ documentType: 'Délibération du conseil', file: aPdf() }),
      form({ documentType: '', file: aPdf() }),
      form({ documentType: 'deliberation', file: aPdf(), fileFirst: true }),
    ]) {
      await expectRefused(await upload(dossierId, body), 400, 'document-type', before);
    }
    await expectRefused(await upload(dossierId, form({ documentType: 'deliberation' })), 400, 'file', before);
    const json = await fetch(url(`/dossiers/${dossierId}/attachments`), {
      method: 'POST',
      headers: { ...(await applicant()), 'content-type': 'application/json' },
      body: JSON.stringify({ documentType: 'deliberation' }),
    });
    await expectRefused(json, 415, 'multipart-required', before);
  });

  it('changes attachments only while the dossier is draft or complement-requested', async () => {
    const submitted = await insertDossier({ status: 'submitted' });
    const before = await storedCounts();
    await expectRefused(await upload(submitted, form({ documentType: 'deliberation', file: aPdf() })), 409, 'dossier-not-editable', before);

    const complementRequested = await insertDossier({ status: 'complement-requested' });
    const uploaded = await upload(complementRequested, form({ documentType: 'complement', file: aPdf(pdf(1_000)) }));
    expect(uploaded.status).toBe(201);
    const { attachmentId } = (await uploaded.json()) as { attachmentId: string };

    await db().collection('dossiers').updateOne({ _id: complementRequested as never }, { $set: { status: 'under-review' } });
    const afterUpload = await storedCounts();
    const refusedDelete = await fetch(url(`/dossiers/${complementRequested}/attachments/${attachmentId}`), { method: 'DELETE', headers: await applicant() });
    await expectRefused(refusedDelete, 409, 'dossier-not-editable', afterUpload);
    // Still readable once under review.
    expect((await fetch(url(`/dossiers/${complementRequested}/attachments/${attachmentId}`), { headers: await as(['programme-manager']) })).status).toBe(200);
  });

  it(`refuses the ${MAX_ATTACHMENTS_PER_DOSSIER + 1}st attachment of a dossier`, async () => {
    const dossierId = await insertDossier();
    for (let i = 0; i < MAX_ATTACHMENTS_PER_DOSSIER; i++) {
      expect((await upload(dossierId, form({ documentType: `piece-${i}`, file: aPdf(pdf(100)) }))).status).toBe(201);
    }
    const before = await storedCounts();
    await expectRefused(await upload(dossierId, form({ documentType: 'one-too-many', file: aPdf(pdf(100)) })), 422, 'too-many-attachments', before);
    expect(await catalog.listForDossier(dossierId)).toHaveLength(MAX_ATTACHMENTS_PER_DOSSIER);
  });

  it('never lets uploads racing for the last place take a dossier past the limit', async () => {
    const dossierId = await insertDossier();
    // All places but one taken (metadata only: these tests never download them).
    await db()
      .collection('dossiers')
      .updateOne({ _id: dossierId as never }, {
        $set: { attachments: Array.from({ length: MAX_ATTACHMENTS_PER_DOSSIER - 1 }, (_, i) => ({
          attachmentId: randomUUID(),
          documentType: `piece-${i}`,
          fileName: `piece-${i}.pdf`,
          contentType: 'application/pdf',
          sizeBytes: 1,
          sha256: '0'.repeat(64),
          storageId: new mongoose.mongo.ObjectId().toHexString(),
          uploadedBy: 'x',
          uploadedAt: new Date(),
        })) },
      });
    const filesBefore = await db().collection('attachments.files').countDocuments();
    const responses = await Promise.all(Array.from({ length: 4 }, (_, i) => upload(dossierId, form({ documentType: `racer-${i}`, file: aPdf(pdf(50_000)) }))));
    const accepted = responses.filter((r) => r.status === 201).length;
    for (const refused of responses.filter((r) => r.status !== 201)) {
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as { type: string }).type).toMatch(/too-many-attachments$/);
    }
    expect(accepted).toBeLessThanOrEqual(1);
    expect(await attachmentCount({ _id: dossierId })).toBe(MAX_ATTACHMENTS_PER_DOSSIER - 1 + accepted);
    expect(await db().collection('attachments.files').countDocuments()).toBe(filesBefore + accepted);
  });

  it('documents the four routes, the upload as multipart/form-data', async () => {
    const openapi = (await (await fetch(url('/openapi.json'))).json()) as { paths: Record<string, Record<string, { consumes?: string[]; requestBody?: { content: Record<string, unknown> } }>> };
    expect(Object.keys(openapi.paths['/dossiers/{dossierId}/attachments']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(openapi.paths['/dossiers/{dossierId}/attachments/{attachmentId}']!).sort()).toEqual(['delete', 'get']);
    expect(JSON.stringify(openapi.paths['/dossiers/{dossierId}/attachments']!.post)).toContain('multipart/form-data');
  });

  it('deletes an attachment: its metadata and its bytes', async () => {
    const dossierId = await insertDossier();
    const bytes = pdf();
    const { attachmentId } = (await (await upload(dossierId, form({ documentType: 'deliberation', file: aPdf(bytes) }))).json()) as { attachmentId: string };
    const storageId = new mongoose.mongo.ObjectId((await storedAttachment(dossierId, attachmentId))!.storageId as string);
    expect(await db().collection('attachments.chunks').countDocuments({ files_id: storageId })).toBe(3);

    const deleted = await fetch(url(`/dossiers/${dossierId}/attachments/${attachmentId}`), { method: 'DELETE', headers: await applicant() });
    expect(deleted.status).toBe(204);
    expect(await storedAttachment(dossierId, attachmentId)).toBeUndefined();
    expect(await db().collection('attachments.files').countDocuments({ _id: storageId })).toBe(0);
    expect(await db().collection('attachments.chunks').countDocuments({ files_id: storageId })).toBe(0);

    const again = await fetch(url(`/dossiers/${dossierId}/attachments/${attachmentId}`), { method: 'DELETE', headers: await applicant() });
    expect(again.status).toBe(404);
    expect((await fetch(url(`/dossiers/${dossierId}/attachments/${attachmentId}`), { headers: await applicant() })).status).toBe(404);
    expect(await catalog.listForDossier(dossierId)).toEqual([]);
  });
});
