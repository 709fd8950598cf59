import { z } from 'zod';
import { admissibilityOutcome, dossierStatus, dossierSnapshot } from '@aap/contracts';
import { EVALUATION_STAGES, type EvaluationState } from './evaluation';

/** The `:dossierId` of every evaluation route (an evaluation is keyed by its dossier). */
export const dossierParams = z.object({ dossierId: z.string().min(1).max(100) });

/** What every view of an evaluation starts with: the dossier, where the evaluation is, the dossier's status. */
export const evaluationHeader = z.object({
  dossierId: z.string(),
  number: z.string(),
  callId: z.string(),
  waveId: z.string(),
  stage: z.enum(EVALUATION_STAGES),
  dossierStatus,
});

export const headerOf = (state: EvaluationState): z.infer<typeof evaluationHeader> => ({
  dossierId: state.dossierId,
  number: state.number,
  callId: state.callId,
  waveId: state.waveId,
  stage: state.stage,
  dossierStatus: state.dossierStatus,
});

/** An evaluation's state as staff read it, without reviews (the evaluation sheet adds them, blind). */
export const evaluationSummary = evaluationHeader.extend({
  organisationId: z.string(),
  dossier: dossierSnapshot,
  /** What the applicant changed in its last resubmission. */
  changes: z.array(z.string()),
  admissibility: z.object({
    checks: z.array(admissibilityOutcome),
    admissible: z.boolean().optional(),
    reasons: z.array(z.string()),
    assessedBy: z.string().optional(),
    assessedAt: z.string().optional(),
  }),
  complements: z.array(
    z.object({
      complementRequestId: z.string(),
      message: z.string(),
      requestedByRole: z.string(),
      requestedAt: z.string(),
      dueDate: z.string().optional(),
      answeredAt: z.string().optional(),
      answer: z.string().optional(),
    }),
  ),
});
export type EvaluationSummary = z.infer<typeof evaluationSummary>;

const iso = (date: Date | undefined) => (date ? new Date(date).toISOString() : undefined);

export function toSummary(state: EvaluationState): EvaluationSummary {
  const { admissibility } = state;
  return {
    ...headerOf(state),
    organisationId: state.organisationId,
    dossier: state.snapshot,
    changes: state.changes,
    admissibility: {
      checks: admissibility.checks,
      reasons: admissibility.reasons,
      ...(admissibility.admissible !== undefined ? { admissible: admissibility.admissible } : {}),
      ...(admissibility.assessedBy ? { assessedBy: admissibility.assessedBy, assessedAt: iso(admissibility.assessedAt) } : {}),
    },
    complements: state.complements.map((c) => ({
      complementRequestId: c.complementRequestId,
      message: c.message,
      requestedByRole: c.requestedByRole,
      requestedAt: iso(c.requestedAt)!,
      ...(c.dueDate ? { dueDate: c.dueDate } : {}),
      ...(c.answeredAt ? { answeredAt: iso(c.answeredAt), answer: c.answer } : {}),
    })),
  };
}
