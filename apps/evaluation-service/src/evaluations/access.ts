import { notFound, type Caller, type Role } from '@aap/http';
import { isAssignedReviewer, type EvaluationState } from './evaluation';

/** Roles that see every evaluation of a call: the programme managers, the committee and operators. */
export const EVALUATION_OVERSIGHT = ['programme-manager', 'committee', 'admin'] as const satisfies readonly Role[];
/** Who may call an evaluation route at all: applicants never. */
export const EVALUATION_READERS = [...EVALUATION_OVERSIGHT, 'reviewer'] as const satisfies readonly Role[];

export const oversees = (caller: Caller) => caller.roles.some((role) => (EVALUATION_OVERSIGHT as readonly Role[]).includes(role));

/**
 * The evaluation the caller may read, or the 404 a missing one gets: oversight roles read every
 * evaluation, a reviewer only one they hold a (not recused) assignment on. The same 404 either way,
 * so a reviewer learns nothing of the dossiers of others.
 */
export function readableEvaluation(caller: Caller, state: EvaluationState | null, dossierId: string): EvaluationState {
  if (state && (oversees(caller) || isAssignedReviewer(state, caller.userId))) return state;
  throw notFound(`Evaluation of dossier ${dossierId}`);
}
