import { z } from 'zod';
import { callerOf, fileAnswer, notFound, type Caller, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { AWARD_ACTORS, AWARD_READERS, awardParams, type Agreement, type AwardActor, type AwardDecision, type AwardState, type Awards } from '../awards';
import { countersignAgreement, issueAgreement, signAgreement } from './agreement';
import { AGREEMENT_VERSIONS, versionsOf, type AgreementDocuments, type AgreementVersion } from './agreement-documents';
import { renderAgreement, sha256Of } from './agreement-pdf';

export const agreementSignature = z.object({
  sha256: z
    .string()
    .max(64)
    .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 (64 hexadecimal characters)')
    .transform((sha) => sha.toLowerCase())
    .describe('The SHA-256 of the agreement as issued (the document read); rule agreement-document'),
});

const versionLink = z.object({
  version: z.enum(AGREEMENT_VERSIONS),
  sha256: z.string(),
  sizeBytes: z.number().int(),
  href: z.string().describe('Where to download it (application/pdf)'),
});

/** An award's agreement: where it stands, who signed when, and each version stored with its SHA-256. */
export const agreementView = z.object({
  awardId: z.string(),
  number: z.string(),
  status: z.enum(AGREEMENT_VERSIONS),
  /** The SHA-256 of the document issued: what the beneficiary and the programme manager sign. */
  agreementSha256: z.string(),
  issuedAt: z.string(),
  signedBy: z.string().optional(),
  signedAt: z.string().optional(),
  countersignedBy: z.string().optional(),
  countersignedAt: z.string().optional(),
  versions: z.array(versionLink),
});
export type AgreementView = z.infer<typeof agreementView>;

const versionParams = awardParams.extend({ version: z.enum(AGREEMENT_VERSIONS) });

type WithAgreement = AwardState & { agreement: Agreement };

const FILE_SUFFIX: Record<AgreementVersion, string> = { issued: 'emise', signed: 'signee', countersigned: 'contresignee' };

export function registerAgreementRoutes(context: ServiceContext, awards: Awards, documents: AgreementDocuments): void {
  const { http } = context;
  const tags = ['agreements'];

  /** The award as the caller may read it (another organisation's: the same 404 as a missing one), with its agreement. */
  async function readable(caller: Caller, awardId: string): Promise<WithAgreement> {
    const award = await awards.readable(caller, awardId);
    if (!award.agreement) throw notFound(`The agreement of award ${awardId}`);
    return award as WithAgreement;
  }

  /** The view of the stored agreement; every version it has is stored on the way (a signature whose PDF was not stored yet heals here). */
  async function viewOf(award: WithAgreement): Promise<AgreementView> {
    const versions = [];
    for (const version of versionsOf(award.agreement)) {
      const stored = (await documents.version(award, version))!;
      versions.push({ version, sha256: stored.sha256, sizeBytes: stored.sizeBytes, href: `/awards/${encodeURIComponent(award.awardId)}/agreement/${version}` });
    }
    const { sha256, issuedAt, signedBy, signedAt, countersignedBy, countersignedAt } = award.agreement;
    return agreementView.parse({ awardId: award.awardId, number: award.number, status: versions.at(-1)!.version, agreementSha256: sha256, issuedAt, signedBy, signedAt, countersignedBy, countersignedAt, versions });
  }

  /** A command on the agreement, answered with the agreement as it now stands. */
  async function command(caller: Caller, awardId: string, actor: AwardActor, decide: (award: AwardState, by: string, now: Date) => AwardDecision | Promise<AwardDecision>) {
    await awards.command(caller, awardId, actor, decide);
    return viewOf(await readable(caller, awardId));
  }

  http.post(
    '/awards/:awardId/agreement',
    {
      config: { access: { roles: AWARD_ACTORS.manager.roles }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'issueAgreement',
        tags,
        summary: 'The programme manager issues the agreement: its PDF made from the award and stored, the award records its SHA-256 (again before any signature: a corrected document; the same award gives the same document)',
        params: awardParams,
        response: { 200: agreementView },
      },
    },
    async (request) =>
      command(callerOf(request), request.params.awardId, 'manager', async (award, _by, now) => {
        const bytes = await renderAgreement(award);
        const decision = issueAgreement(award, { sha256: sha256Of(bytes) }, now);
        // Stored before the award records it: a recorded agreement always has its document.
        if (decision.outcome === 'accepted' && decision.state !== award) await documents.storeIssued(award.awardId, bytes);
        return decision;
      }),
  );

  http.post(
    '/awards/:awardId/agreement/signature',
    {
      config: { access: { roles: AWARD_ACTORS.beneficiary.roles }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'signAgreement',
        tags,
        summary: 'The beneficiary signs the agreement it read, named by its SHA-256 (a simple electronic signature: who, when, which document); the signed version is the issued one with a signature page',
        params: awardParams,
        body: agreementSignature,
        response: { 200: agreementView },
      },
    },
    async (request) => command(callerOf(request), request.params.awardId, 'beneficiary', (award, by, now) => signAgreement(award, { sha256: request.body.sha256, by }, now)),
  );

  http.post(
    '/awards/:awardId/agreement/countersignature',
    {
      config: { access: { roles: AWARD_ACTORS.manager.roles }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'countersignAgreement',
        tags,
        summary: 'The programme manager countersigns the agreement the beneficiary signed (not the signer: four-eyes); it then binds both parties',
        params: awardParams,
        body: agreementSignature,
        response: { 200: agreementView },
      },
    },
    async (request) => command(callerOf(request), request.params.awardId, 'manager', (award, by, now) => countersignAgreement(award, { sha256: request.body.sha256, by }, now)),
  );

  http.get(
    '/awards/:awardId/agreement',
    {
      config: { access: { roles: AWARD_READERS } },
      schema: { operationId: 'getAgreement', tags, summary: 'The agreement of an award: its status, who signed when, and each version with its SHA-256 and download link', params: awardParams, response: { 200: agreementView } },
    },
    async (request) => viewOf(await readable(callerOf(request), request.params.awardId)),
  );

  http.get(
    '/awards/:awardId/agreement/:version',
    {
      config: { access: { roles: AWARD_READERS } },
      schema: { operationId: 'downloadAgreement', tags, summary: 'Download a version of the agreement (application/pdf; the ETag is its SHA-256): issued, signed or countersigned', params: versionParams, response: { 200: fileAnswer('application/pdf', 'The PDF of that version') } },
    },
    async (request, reply) => {
      const { awardId, version } = request.params;
      const award = await readable(callerOf(request), awardId);
      const stored = await documents.version(award, version);
      if (!stored) throw notFound(`The ${version} agreement of award ${awardId}`);
      const fileName = `convention-${award.number.replace(/[^\w.-]/g, '_')}-${FILE_SUFFIX[version]}.pdf`;
      return reply
        .headers({
          'content-type': 'application/pdf',
          'content-length': String(stored.sizeBytes),
          'content-disposition': `attachment; filename="${fileName}"`,
          etag: `"${stored.sha256}"`,
          'x-content-type-options': 'nosniff',
        })
        .send(stored.content);
    },
  );
}
