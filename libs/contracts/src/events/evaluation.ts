import { z } from 'zod';
import { defineEvent } from '../catalogue';
import { cents, contactEmail, isoDateTime } from '../vocabulary';
import { dossierReference } from './dossiers';

/**
 * The evaluation service's own facts, for staff and the other services (topic
 * <prefix>.evaluation.evaluation, key = dossier id): they may name reviewers and carry scores, so they
 * are never shown to an applicant (notification routes only the `dossier.*` facts to applicants).
 */
const evaluationFact = <Shape extends z.ZodRawShape>(name: string, shape: Shape, description: string) =>
  defineEvent({
    name: `evaluation.${name}`,
    version: 1,
    producer: 'evaluation',
    aggregate: 'evaluation',
    schema: z.object({ ...dossierReference.shape, at: isoDateTime, ...shape }),
    aggregateId: (d) => (d as { dossierId: string }).dossierId,
    description,
  });

export const admissibilityOutcome = z.object({
  checkId: z.string(),
  label: z.string(),
  passed: z.boolean(),
  /** Automatic checks come from the call's rules; the others are the call's checklist, ticked by a manager. */
  automatic: z.boolean(),
  detail: z.string().optional(),
});

export const EvaluationAdmissibilityAssessed = evaluationFact(
  'admissibility-assessed',
  {
    admissible: z.boolean(),
    checks: z.array(admissibilityOutcome),
    /** Why the dossier is inadmissible (empty when admissible). */
    reasons: z.array(z.string()),
    /** Who assessed it: a manager's user id, or `automatic` when no checklist asked for a manager. */
    assessedBy: z.string(),
  },
  'The admissibility of a submitted dossier was assessed: automatic checks against the call, then its checklist.',
);

/**
 * A reviewer's name and e-mail travel only in the two events notification turns into an e-mail to
 * that reviewer (reviewers-assigned, review-due-soon: the greeting and the address); the reviewer
 * pool lives in this service alone, so these events are the only source of them. Every other event
 * names a reviewer by id only, and no event carries the reason of a declared conflict (it stays on
 * the evaluation, for its managers).
 */
export const assignedReviewer = z.object({
  reviewerId: z.string(),
  name: z.string(),
  email: contactEmail,
  dueAt: isoDateTime,
});

export const EvaluationReviewersAssigned = evaluationFact(
  'reviewers-assigned',
  {
    /** The reviewers newly assigned by this event (the others keep their assignment). */
    reviewers: z.array(assignedReviewer),
    /** Reviewers the call still lacks for this dossier (pool too small or every candidate in conflict). */
    missing: z.number().int().nonnegative(),
    /** Why: a newly admissible dossier, a replacement after a declared conflict, or a manager completing it. */
    cause: z.enum(['admissible', 'conflict-replacement', 'completed-by-manager']),
  },
  'Reviewers were assigned to a dossier (their e-mail and deadline, so they can be told); only they may read it.',
);

export const EvaluationConflictDeclared = evaluationFact(
  'conflict-declared',
  { reviewerId: z.string() },
  'A reviewer declared a conflict of interest on an assigned dossier: the assignment ends (a replacement follows). The reason stays with the evaluation.',
);

export const EvaluationReviewSubmitted = evaluationFact(
  'review-submitted',
  {
    reviewerId: z.string(),
    /** The review's weighted score on a 0–100 scale. */
    weightedScore: z.number().min(0).max(100),
    scores: z.array(z.object({ criterionId: z.string(), score: z.number().int().nonnegative() })),
  },
  'A reviewer submitted their scores on the grid for an assigned dossier.',
);

export const EvaluationReviewDueSoon = evaluationFact(
  'review-due-soon',
  { reviewerId: z.string(), name: z.string(), email: contactEmail, dueAt: isoDateTime },
  "A reviewer's review of a dossier is due soon and not submitted yet (reminder).",
);

export const EvaluationCompleted = evaluationFact(
  'completed',
  {
    /** Mean of the reviewers' weighted scores (0–100); the normalised score depends on the whole call and is read from the ranking. */
    rawScore: z.number().min(0).max(100),
    reviewCount: z.number().int().positive(),
    eliminated: z.boolean(),
    eliminationReasons: z.array(z.string()),
    /** The reviewers disagree beyond the call's configured share of the grid's range. */
    disagreement: z.boolean(),
  },
  'Every assigned reviewer scored the dossier: its raw score, eliminations and disagreement flag.',
);

/**
 * The committee's budget facts (topic <prefix>.evaluation.committee, key = call id): one call's
 * envelope in one partition, in order.
 */
export const CommitteePromotionProposed = defineEvent({
  name: 'committee.promotion-proposed',
  version: 1,
  producer: 'evaluation',
  aggregate: 'committee',
  schema: z.object({
    callId: z.string(),
    waveId: z.string(),
    dossierId: z.string(),
    number: z.string(),
    proposedGrantCents: cents,
    remainingEnvelopeCents: cents,
    freedCents: cents,
    /** What freed the money, e.g. `decision-reopened of AAP-2026-000012`. */
    freedBy: z.string(),
    at: isoDateTime,
  }),
  aggregateId: (d) => d.callId,
  description: 'Money came back to a call: the best waitlisted dossier whose grant fits the remaining envelope is proposed to the committee.',
});

export const evaluationEvents = [
  EvaluationAdmissibilityAssessed,
  EvaluationReviewersAssigned,
  EvaluationConflictDeclared,
  EvaluationReviewSubmitted,
  EvaluationReviewDueSoon,
  EvaluationCompleted,
  CommitteePromotionProposed,
];
