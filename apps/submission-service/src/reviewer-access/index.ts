import type { ServiceContext } from '@aap/service-runtime';
import { registerAssignmentHandlers } from './assignment.handlers';
import { assignmentStore } from './assignment.store';

/** What the other slices (dossiers) ask of reviewers' access: whether a reviewer holds an active assignment on a dossier. */
export interface ReviewerAccessPort {
  assigned(dossierId: string, reviewerId: string): Promise<boolean>;
}

/**
 * Reviewer access: this service's copy of the evaluation service's assignments (its events), so a
 * reviewer reads only the dossiers assigned to it. The rule itself is `policies.readableDossier`
 * (@aap/http), the same in every service; this slice answers its lookup, by `_id`.
 */
export function registerReviewerAccess(context: ServiceContext): ReviewerAccessPort {
  const store = assignmentStore(context);
  registerAssignmentHandlers(context, store);
  return { assigned: async (dossierId, reviewerId) => (await store.get(dossierId, reviewerId))?.active === true };
}
