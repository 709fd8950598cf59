import { accepted, type CallSnapshot } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { andThen, type EvaluationDecision, type EvaluationState, type Evaluations, type ReviewerAssigner } from '../evaluations';
import { startAdmissibility, type Admit } from './admissibility';
import { registerAdmissibilityHandlers } from './admissibility.handlers';
import { registerAdmissibilityRoutes } from './admissibility.routes';

/** Admissibility as the other slices use it: a resubmitted dossier that paused at admissibility is assessed again. */
export interface Admissibility {
  admit: Admit;
}

/** Admissible → the reviewers it lacks, chained into the same write. */
export const thenAssign = (assigner: ReviewerAssigner, call: CallSnapshot, now: Date) => (state: EvaluationState) =>
  state.stage === 'in-review' ? assigner.assign(state, call, 'admissible', now) : accepted(state);

/** A submitted dossier opens its evaluation at admissibility; a programme manager ticks the call's checklist. */
export function registerAdmissibility(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies; assigner: ReviewerAssigner }): Admissibility {
  const admissibility: Admissibility = {
    admit: (state, call, now) => andThen(startAdmissibility(state, call, now), thenAssign(deps.assigner, call, now)),
  };
  registerAdmissibilityHandlers(context, deps.evaluations, deps.calls, admissibility.admit);
  registerAdmissibilityRoutes(context, { ...deps, thenAssign: (call, now) => thenAssign(deps.assigner, call, now) });
  return admissibility;
}

export type { Admit };
