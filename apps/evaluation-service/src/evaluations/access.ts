import type { CallSnapshot } from '@aap/contracts';
import { notFound, policies, type Caller, type Role, type TeamedCall } from '@aap/http';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { isAssignedReviewer, type EvaluationState } from './evaluation';

/** Roles that see every evaluation of a call they are on the team of: its programme managers, its committee, and operators. */
export const EVALUATION_OVERSIGHT = ['programme-manager', 'committee', 'admin'] as const satisfies readonly Role[];
/** Who may call an evaluation route at all: applicants never. */
export const EVALUATION_READERS = [...EVALUATION_OVERSIGHT, 'reviewer'] as const satisfies readonly Role[];

/**
 * Who reaches an evaluation through a route: the call's team under `team` (admin always), and, when
 * `reviewers`, a reviewer holding an active assignment on the dossier (reviewers are not on the team:
 * they reach a call through its pool and their assignments).
 */
export interface EvaluationAccess {
  team: readonly Role[];
  reviewers: boolean;
}
/** Reads and the commands open to every reader: the call's managers and committee, and the dossier's reviewers. */
export const READERS: EvaluationAccess = { team: ['programme-manager', 'committee'], reviewers: true };
/** The call's programme managers (admissibility, assignments). */
export const CALL_MANAGERS: EvaluationAccess = { team: ['programme-manager'], reviewers: false };
/** The call's committee (decisions). */
export const CALL_COMMITTEE: EvaluationAccess = { team: ['committee'], reviewers: false };

/** Whether the caller oversees this call: on its team as a manager or committee member, or an admin. */
export const overseesCall = (caller: Caller, call: TeamedCall | null | undefined) =>
  policies.teamRolesOn(caller, call).some((role) => (EVALUATION_OVERSIGHT as readonly Role[]).includes(role));

/**
 * The evaluation the caller may read, or the 404 a missing one gets: the call's team under
 * `access.team` (`policies.onCallTeam`), or an assigned reviewer when `access.reviewers`. The same 404
 * either way, so nobody learns of the dossiers of other calls or of other reviewers.
 */
export function readableEvaluation(caller: Caller, state: EvaluationState | null, call: TeamedCall | null, dossierId: string, access: EvaluationAccess): EvaluationState {
  const what = `Evaluation of dossier ${dossierId}`;
  if (!state) throw notFound(what);
  if (access.reviewers && isAssignedReviewer(state, caller.userId)) return state;
  policies.onCallTeam(caller, call, what, access.team);
  return state;
}

/** The call a call-level route names, if the caller is on its team under `roles` (`policies.onCallTeam`); else the 404 of an unknown call. */
export async function teamCall(calls: CallCopies, caller: Caller, callId: string, roles: readonly Role[]): Promise<CallSnapshot> {
  const call = await calls.get(callId);
  policies.onCallTeam(caller, call, `Call ${callId}`, roles);
  return call!;
}
