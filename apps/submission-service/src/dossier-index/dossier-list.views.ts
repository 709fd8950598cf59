import { z } from 'zod';
import { applicantKind, dossierStatus } from '@aap/contracts';
import type { DossierCounts, DossierRowView } from './dossier-queries';

/** A row of the staff lists and of a search (`DossierRow` without its version). */
export const dossierRowView = z.object({
  dossierId: z.string(),
  number: z.string().nullable().describe('The receipt number; null for a draft'),
  callId: z.string(),
  waveId: z.string(),
  status: dossierStatus,
  organisationId: z.string().describe('SIREN or SIRET of the applicant organisation'),
  applicantName: z.string(),
  applicantKind: applicantKind.nullable(),
  departements: z.array(z.string()),
  regions: z.array(z.string()),
  title: z.string(),
  requestedGrantCents: z.number().int().nullable(),
  grantedCents: z.number().int().nullable().describe('The committee’s grant, when the dossier is accepted'),
  submittedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<DossierRowView>;

const tally = z.record(z.string(), z.number().int());

/** A call's dashboard figures: `total` and the breakdowns are of the dossiers submitted (drafts apart), `byStatus` has `draft` too. */
export const dossierCountsView = z.object({
  callId: z.string(),
  total: z.number().int(),
  drafts: z.number().int(),
  byStatus: tally,
  byDepartement: tally,
  byRegion: tally,
  byApplicantKind: tally,
  requestedGrantCents: z.object({ total: z.number().int(), byStatus: tally }),
  grantedCents: z.number().int(),
}) satisfies z.ZodType<DossierCounts & { callId: string }>;
