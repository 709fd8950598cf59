import { accepted, type Decision } from '@aap/contracts';

/**
 * A reviewer's access to one dossier, as the evaluation service assigns it: the submission service
 * keeps this copy (from evaluation.reviewers-assigned and evaluation.conflict-declared) to decide,
 * without asking anyone, whether a reviewer may read a dossier and its attachments.
 */
export interface ReviewerAssignment {
  /** `<dossierId>:<reviewerId>`: one document per dossier and reviewer, read by `_id`. */
  _id: string;
  dossierId: string;
  reviewerId: string;
  /** True from the assignment until the reviewer declares a conflict. */
  active: boolean;
  /** Time (`at` of the event) and id of the event last applied: an older event never undoes a newer one. */
  at: Date;
  eventId: string;
  version: number;
}

/** What an evaluation event says of one reviewer on one dossier. */
export interface AssignmentFact {
  kind: 'assigned' | 'conflict-declared';
  dossierId: string;
  reviewerId: string;
  at: Date;
  eventId: string;
}

export const assignmentId = (dossierId: string, reviewerId: string) => `${dossierId}:${reviewerId}`;

/**
 * Applies a fact to the reviewer's access (none yet: `null`). The same event again, or an event older
 * than the one applied (a redelivery after a later change), changes nothing (the same state). A
 * conflict on a dossier the reviewer was never assigned to (here) is still recorded, so an older
 * assignment arriving after it stays ended. The store moves the version on (a new one is version 1).
 */
export function applyAssignmentFact(current: ReviewerAssignment | null, fact: AssignmentFact): Decision<ReviewerAssignment> {
  if (current && (current.eventId === fact.eventId || current.at.getTime() > fact.at.getTime())) return accepted(current);
  return accepted({
    _id: assignmentId(fact.dossierId, fact.reviewerId),
    dossierId: fact.dossierId,
    reviewerId: fact.reviewerId,
    active: fact.kind === 'assigned',
    at: fact.at,
    eventId: fact.eventId,
    version: current?.version ?? 1,
  });
}
