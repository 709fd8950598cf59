import { z } from 'zod';
import { contactEmail, SIREN } from '@aap/contracts';
import { departementByCode, epciBySiren } from '@aap/contracts/geography';
import type { PoolReviewer } from './pool';

/** A reviewer's profile in a call's pool, as a programme manager writes it. */
export const reviewerProfile = z.object({
  name: z.string().trim().min(1).max(200),
  email: contactEmail,
  departement: z
    .string()
    .max(3)
    .refine((code) => departementByCode(code) !== undefined, 'a département code of the official geography (e.g. 69, 2A, 974)')
    .describe('Home département (conflicts of interest when the call excludes reviewers of the applicant’s département)'),
  epciSiren: SIREN.refine((siren) => epciBySiren(siren) !== undefined, 'the SIREN of an EPCI of the official geography').optional(),
  organisationSiren: SIREN.optional().describe('The reviewer’s own organisation: its dossiers are never assigned to them'),
  expertise: z.array(z.string().trim().min(1).max(100)).max(30).default([]),
});

export const reviewerView = z.object({
  reviewerId: z.string(),
  name: z.string(),
  email: z.string(),
  departement: z.string(),
  epciSiren: z.string().optional(),
  organisationSiren: z.string().optional(),
  expertise: z.array(z.string()),
  /** False once the reviewer left the pool (their current assignments go on). */
  active: z.boolean(),
  /** Assignments in the call not yet submitted nor recused. */
  openAssignments: z.number().int(),
});

export const toReviewerView = (r: PoolReviewer): z.infer<typeof reviewerView> => ({
  reviewerId: r.reviewerId,
  name: r.name,
  email: r.email,
  departement: r.departement,
  ...(r.epciSiren ? { epciSiren: r.epciSiren } : {}),
  ...(r.organisationSiren ? { organisationSiren: r.organisationSiren } : {}),
  expertise: r.expertise,
  active: r.active,
  openAssignments: r.load,
});

export const ASSIGNMENT_STATES = ['assigned', 'submitted'] as const;

/** One line of a reviewer's work queue. */
export const workItemView = z.object({
  dossierId: z.string(),
  number: z.string(),
  callId: z.string(),
  waveId: z.string(),
  title: z.string(),
  /** Where the dossier is (in-review, complement-requested, evaluated, decided, withdrawn…). */
  stage: z.string(),
  state: z.enum(ASSIGNMENT_STATES),
  assignedAt: z.string(),
  dueAt: z.string(),
  remindedAt: z.string().optional(),
  submittedAt: z.string().optional(),
});
