import { randomUUID } from 'node:crypto';
import { accepted, DossierComplementRequested, refused, wrongStatus, type DossierSnapshot } from '@aap/contracts';
import { dossierEvent, moveDossier, snapshotChanges, wrongStage, type ComplementRequest, type EvaluationDecision, type EvaluationState } from '../evaluations/evaluation';

/**
 * Complements, pure: a reviewer or the programme manager asks the applicant for a complement; the
 * dossier goes back to the applicant and the evaluation pauses; the resubmission brings the new
 * snapshot, what changed, and the evaluation resumes where it was.
 */

export interface RequestComplement {
  message: string;
  dueDate?: string;
  requestedByRole: ComplementRequest['requestedByRole'];
  requestedBy: string;
}

const PAUSABLE = ['admissibility', 'in-review', 'evaluated'] as const;

/**
 * The rule `complement-after-scoring`: once a reviewer has scored the dossier, it is no longer sent
 * back to its applicant. Scores are given on one version of a dossier and every dossier of a wave is
 * ranked on the version its reviewers scored (equal treatment of applicants); a complement answered
 * after scoring would let the applicant change the project or the budget — hence the grant cap —
 * under scores given to another version. Complements belong to admissibility and to review before the
 * first score; after it the committee decides on what was scored (a grant below the cap, or a rejection).
 */
export const COMPLEMENT_AFTER_SCORING = 'complement-after-scoring';

export function requestComplement(state: EvaluationState, command: RequestComplement, now: Date, complementRequestId: string = randomUUID()): EvaluationDecision {
  const stage = state.stage;
  if (!(PAUSABLE as readonly string[]).includes(stage)) return wrongStage(state, 'a complement may be requested', PAUSABLE);
  if (state.reviews.length > 0) {
    return refused([
      {
        name: COMPLEMENT_AFTER_SCORING,
        detail: `dossier ${state.number} has ${state.reviews.length} submitted review(s): a complement may be requested only before the first score; the committee decides on the version scored (a grant below the cap, or a rejection)`,
      },
    ]);
  }
  const moved = moveDossier(state, 'complement-requested');
  if ('refused' in moved) return wrongStatus(state.dossierStatus, moved.refused);
  const request: ComplementRequest = {
    complementRequestId,
    message: command.message,
    requestedByRole: command.requestedByRole,
    requestedBy: command.requestedBy,
    requestedAt: now,
    resumeAt: stage as ComplementRequest['resumeAt'],
    ...(command.dueDate ? { dueDate: command.dueDate } : {}),
  };
  return accepted(
    { ...state, stage: 'complement-requested', dossierStatus: moved.status, complements: [...state.complements, request], updatedAt: now },
    dossierEvent(DossierComplementRequested, state, now, { complementRequestId, message: command.message, ...(command.dueDate ? { dueDate: command.dueDate } : {}) }),
  );
}

/**
 * The applicant answered (dossier.resubmitted): the new snapshot replaces the old one, the changes
 * are listed for the reviewers, and the evaluation resumes at the stage it paused at (admissibility
 * is then run again by the caller on the new snapshot).
 */
export function resumeAfterComplement(state: EvaluationState, snapshot: DossierSnapshot, complementRequestId: string, answer: string, now: Date): EvaluationDecision {
  const request = state.complements.find((c) => c.complementRequestId === complementRequestId);
  if (state.stage !== 'complement-requested' || !request || request.answeredAt) {
    return wrongStage(state, `the answer to complement request ${complementRequestId} is taken`, ['complement-requested']);
  }
  const moved = moveDossier(state, 'resubmitted');
  if ('refused' in moved) return wrongStatus(state.dossierStatus, moved.refused);
  return accepted({
    ...state,
    stage: request.resumeAt,
    dossierStatus: moved.status,
    previousSnapshot: state.snapshot,
    snapshot,
    changes: snapshotChanges(state.snapshot, snapshot),
    complements: state.complements.map((c) => (c === request ? { ...c, answeredAt: now, answer } : c)),
    updatedAt: now,
  });
}
