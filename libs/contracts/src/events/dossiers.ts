import { z } from 'zod';
import { defineEvent } from '../catalogue';
import { applicantSnapshot, basisPoints, cents, isoDate, isoDateTime } from '../vocabulary';

/**
 * Dossier statuses, named after demarches-simplifiees.fr's, which applicants and agents know:
 * draft (brouillon) → submitted (déposé) → under-review (en instruction) → accepted | rejected |
 * closed-without-follow-up (sans suite); under-review ⇄ complement-requested; waitlisted is the
 * committee's reserve list; withdrawn by the applicant before a decision.
 */
export const DOSSIER_STATUSES = [
  'draft',
  'submitted',
  'under-review',
  'complement-requested',
  'accepted',
  'rejected',
  'waitlisted',
  'closed-without-follow-up',
  'withdrawn',
] as const;
export const dossierStatus = z.enum(DOSSIER_STATUSES);
export type DossierStatus = z.infer<typeof dossierStatus>;

export const FUNDING_SOURCE_KINDS = ['own-contribution', 'other-state', 'region', 'departement', 'commune-or-epci', 'european-union', 'other-public', 'private'] as const;
export const fundingSourceKind = z.enum(FUNDING_SOURCE_KINDS);

export const projectSection = z.object({
  title: z.string().min(3).max(200),
  summary: z.string().min(1).max(2_000),
  description: z.string().min(1).max(50_000),
  startDate: isoDate,
  endDate: isoDate,
  /** Commitment of the Pass numérique: share of passes for people far from employment, in %. */
  beneficiaries: z.string().max(5_000).optional(),
});

/** Budget plan: eligible cost = requested State grant + every other funding source. */
export const budgetSection = z.object({
  eligibleCostCents: cents,
  requestedGrantCents: cents,
  otherFunding: z.array(z.object({ kind: fundingSourceKind, funder: z.string().min(1).max(200), amountCents: cents })).max(50),
});

export const attachmentSnapshot = z.object({
  attachmentId: z.string(),
  documentType: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** The whole dossier as submitted: what evaluation and funding-award keep a copy of. */
export const dossierSnapshot = z.object({
  dossierId: z.string(),
  number: z.string(),
  callId: z.string(),
  waveId: z.string(),
  applicant: applicantSnapshot,
  project: projectSection,
  budget: budgetSection,
  attachments: z.array(attachmentSnapshot),
  submittedAt: isoDateTime,
  /** SHA-256 of the canonical JSON of project, budget and attachments: what the receipt attests. */
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type DossierSnapshot = z.infer<typeof dossierSnapshot>;

/**
 * What every dossier event says of its dossier, so a consumer can route it (notification, timeline)
 * without guessing: the same five fields in every `dossier.*` event (inside `dossier` for the events
 * that carry the whole snapshot, whose applicant holds the organisationId; `number` absent only for a
 * draft's event such as draft-closing-soon).
 */
export const dossierReference = z.object({
  dossierId: z.string(),
  number: z.string(),
  callId: z.string(),
  waveId: z.string(),
  organisationId: z.string(),
});
export type DossierReference = z.infer<typeof dossierReference>;
const dossierRef = dossierReference.shape;

// ── Published by the submission service (topic <prefix>.submission.dossier) ──────────────────────

const bySubmission = <Shape extends z.ZodRawShape>(name: string, shape: Shape, aggregateId: (data: z.infer<z.ZodObject<Shape>>) => string, description: string) =>
  defineEvent({ name: `dossier.${name}`, version: 1, producer: 'submission', aggregate: 'dossier', schema: z.object(shape), aggregateId, description });

export const DossierSubmitted = bySubmission(
  'submitted',
  { dossier: dossierSnapshot },
  (d) => d.dossier.dossierId,
  'An applicant submitted a dossier that passed every rule of its call; carries the whole dossier and its receipt.',
);
export const DossierResubmitted = bySubmission(
  'resubmitted',
  { dossier: dossierSnapshot, complementRequestId: z.string(), answer: z.string() },
  (d) => d.dossier.dossierId,
  'The applicant answered a request for complements; carries the whole updated dossier.',
);
export const DossierWithdrawn = bySubmission(
  'withdrawn',
  { ...dossierRef, reason: z.string().optional(), withdrawnAt: isoDateTime, requestedGrantCents: cents },
  (d) => d.dossierId,
  'The applicant withdrew its dossier before a decision.',
);
export const DossierDraftClosingSoon = bySubmission(
  'draft-closing-soon',
  { ...dossierReference.omit({ number: true }).shape, title: z.string(), closesAt: isoDateTime, daysLeft: z.number().int().nonnegative() },
  (d) => d.dossierId,
  'A draft is still not submitted a few days before its wave closes (reminder).',
);

// ── Published by the evaluation service (topic <prefix>.evaluation.dossier) ──────────────────────
// Version 2 carries the whole dossier reference (version 1 carried only dossierId and callId, and no
// producer ever emitted it outside tests: it left the catalogue with this version).

const byEvaluation = <Shape extends z.ZodRawShape>(name: string, shape: Shape, description: string, version = 2) =>
  defineEvent({
    name: `dossier.${name}`,
    version,
    producer: 'evaluation',
    aggregate: 'dossier',
    schema: z.object({ ...dossierRef, at: isoDateTime, ...shape }),
    aggregateId: (d) => (d as { dossierId: string }).dossierId,
    description,
  });

export const DossierReviewStarted = byEvaluation('review-started', {}, 'The dossier is eligible and under review (en instruction).');
export const DossierComplementRequested = byEvaluation(
  'complement-requested',
  { complementRequestId: z.string(), message: z.string().min(1), dueDate: isoDate.optional() },
  'A reviewer or the programme manager asked the applicant for complements; review waits for the answer.',
);
// Version 3 adds the rate and eligible cost the grant was computed from (funding-award needs them);
// version 2 was never emitted by a producer (no evaluation service existed), so it left the catalogue.
export const DossierAccepted = byEvaluation(
  'accepted',
  {
    grantCents: cents,
    /** The State rate applied and the eligible cost it applies to: grant ≤ rate × eligible cost. */
    stateRateBps: basisPoints,
    eligibleCostCents: cents,
    requestedGrantCents: cents,
    motivation: z.string().min(1),
  },
  'The committee approved the dossier with a grant amount (at most min(requested, rate × eligible cost, call maximum)).',
  3,
);
export const DossierRejected = byEvaluation(
  'rejected',
  { motivation: z.string().min(1), reasons: z.array(z.string()).default([]), ineligible: z.boolean().default(false) },
  'The dossier was rejected, as ineligible or by the committee, with its motivation.',
);
export const DossierWaitlisted = byEvaluation(
  'waitlisted',
  { rank: z.number().int().positive().optional(), motivation: z.string().min(1) },
  'The committee put the dossier on its reserve list.',
);
export const DossierClosedWithoutFollowUp = byEvaluation(
  'closed-without-follow-up',
  { motivation: z.string().min(1) },
  'The dossier was closed without follow-up (classé sans suite).',
);
export const DossierDecisionReopened = byEvaluation(
  'decision-reopened',
  { reason: z.string().min(1) },
  'The committee reopened its decision: the dossier is under review again.',
);

export const dossierEvents = [
  DossierSubmitted,
  DossierResubmitted,
  DossierWithdrawn,
  DossierDraftClosingSoon,
  DossierReviewStarted,
  DossierComplementRequested,
  DossierAccepted,
  DossierRejected,
  DossierWaitlisted,
  DossierClosedWithoutFollowUp,
  DossierDecisionReopened,
];
