import { z } from 'zod';
import { defineEvent, supersededEvent } from '../catalogue';
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

/**
 * The applicant as a dossier carries it: who applies and where (kind, territory, groupement: what
 * admissibility, conflicts of interest and the award read), never its contacts. Only notification
 * writes to the applicant, and it keeps the contacts in its own directory from the organisation.*
 * events. The outbox publishes what this schema parses, so contacts a producer still passes never
 * leave it; a dossier event already on a topic with `applicant.contacts` is still read, without them
 * (a zod object strips the keys it does not name), so no consumer keeps them.
 */
export const dossierApplicant = applicantSnapshot.omit({ contacts: true });
export type DossierApplicant = z.infer<typeof dossierApplicant>;

/** The whole dossier as submitted: what evaluation and funding-award keep a copy of. */
export const dossierSnapshot = z.object({
  dossierId: z.string(),
  number: z.string(),
  callId: z.string(),
  waveId: z.string(),
  applicant: dossierApplicant,
  project: projectSection,
  budget: budgetSection,
  attachments: z.array(attachmentSnapshot),
  submittedAt: isoDateTime,
  /** SHA-256 of the canonical JSON of project, budget and attachments: what the receipt attests. */
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type DossierSnapshot = z.infer<typeof dossierSnapshot>;

/**
 * What every `dossier.*` and `evaluation.*` event says of its dossier, at the top of its data, so a
 * consumer routes it (notification, timeline, funding-award) by reading five fields, without guessing
 * and without waiting for another event.
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

/**
 * A draft has no receipt number yet (it is given at submission): a draft's events carry the same five
 * fields with `number: null` — the key is always there, `null` only for a draft.
 */
export const draftReference = dossierReference.extend({ number: z.null() });
export type DraftReference = z.infer<typeof draftReference>;

/** The reference as read from any dossier event: `number` is null only for a draft's event. */
export type DossierEventReference = DossierReference | DraftReference;

/** The reference of a submitted dossier, from its snapshot (whose applicant is the organisation). */
export const referenceOfSnapshot = (dossier: DossierSnapshot): DossierReference => ({
  dossierId: dossier.dossierId,
  number: dossier.number,
  callId: dossier.callId,
  waveId: dossier.waveId,
  organisationId: dossier.applicant.organisationId,
});

/** The events carrying the whole dossier: its reference at the top, the snapshot under `dossier`, the two agreeing. */
const withSnapshot = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.object({ ...dossierRef, dossier: dossierSnapshot, ...shape }).superRefine((data, context) => {
    const { dossier, ...top } = data as DossierReference & { dossier: DossierSnapshot };
    const snapshot = referenceOfSnapshot(dossier);
    for (const field of Object.keys(snapshot) as Array<keyof DossierReference>) {
      if (top[field] !== snapshot[field]) context.addIssue({ code: 'custom', path: [field], message: `differs from the snapshot's (${snapshot[field]})` });
    }
  });

// ── Published by the submission service (topic <prefix>.submission.dossier) ──────────────────────

const bySubmission = <Schema extends z.ZodType<{ dossierId: string }>>(name: string, version: number, schema: Schema, description: string) =>
  defineEvent({ name: `dossier.${name}`, version, producer: 'submission', aggregate: 'dossier', schema, aggregateId: (d) => d.dossierId, description });

// Version 2 of submitted, resubmitted and draft-closing-soon: the dossier reference at the top of the
// data, as in every other dossier event (version 1 had it inside the snapshot, or no `number`).
export const DossierSubmitted = bySubmission(
  'submitted',
  2,
  withSnapshot({}),
  'An applicant submitted a dossier that passed every rule of its call; carries the whole dossier and its receipt.',
);
export const DossierResubmitted = bySubmission(
  'resubmitted',
  2,
  withSnapshot({ complementRequestId: z.string(), answer: z.string() }),
  'The applicant answered a request for complements; carries the whole updated dossier.',
);
export const DossierWithdrawn = bySubmission(
  'withdrawn',
  1,
  z.object({ ...dossierRef, reason: z.string().optional(), withdrawnAt: isoDateTime, requestedGrantCents: cents }),
  'The applicant withdrew its dossier before a decision.',
);
export const DossierDraftClosingSoon = bySubmission(
  'draft-closing-soon',
  2,
  z.object({ ...draftReference.shape, title: z.string(), closesAt: isoDateTime, daysLeft: z.number().int().nonnegative() }),
  'A draft is still not submitted a few days before its wave closes (reminder); a draft has no number yet (`number: null`).',
);

export const DossierDraftSaved = bySubmission(
  'draft-saved',
  1,
  z.object({ ...draftReference.shape, at: isoDateTime }),
  'A draft was started, or its project or budget part saved (not its attachments); a draft has no number yet (`number: null`). The staff lists show drafts from it.',
);

// ── Superseded versions: no producer emits them; a consumer reads them as the current version ────

export const DossierSubmittedV1 = supersededEvent(
  DossierSubmitted,
  z.object({ dossier: dossierSnapshot }),
  ({ dossier }) => ({ ...referenceOfSnapshot(dossier), dossier }),
  (d) => d.dossier.dossierId,
);
export const DossierResubmittedV1 = supersededEvent(
  DossierResubmitted,
  z.object({ dossier: dossierSnapshot, complementRequestId: z.string(), answer: z.string() }),
  (data) => ({ ...referenceOfSnapshot(data.dossier), ...data }),
  (d) => d.dossier.dossierId,
);
export const DossierDraftClosingSoonV1 = supersededEvent(
  DossierDraftClosingSoon,
  z.object({ ...dossierReference.omit({ number: true }).shape, title: z.string(), closesAt: isoDateTime, daysLeft: z.number().int().nonnegative() }),
  (data) => ({ ...data, number: null }),
  (d) => d.dossierId,
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

/** The current dossier events (what producers emit and consumers subscribe to). */
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

/**
 * Dossier events only the submission service reads (its staff lists' index is kept from them): not in
 * `dossierEvents`, which other services subscribe to whole (notification's timeline, directory and
 * webhooks would otherwise record every save of every draft).
 */
export const submissionOwnDossierEvents = [DossierDraftSaved];

/** Older versions, in the catalogue only so that a consumer still reads them (as their current version). */
export const supersededDossierEvents = [DossierSubmittedV1, DossierResubmittedV1, DossierDraftClosingSoonV1];
