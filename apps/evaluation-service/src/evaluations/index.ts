import type { Caller } from '@aap/http';
import type { EventMetadata } from '@aap/messaging';
import { acceptedOrThrow, type ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { readableEvaluation } from './access';
import type { EvaluationDecision, EvaluationState, ReviewerAssigner } from './evaluation';
import { registerEvaluationHandlers } from './evaluation.handlers';
import { evaluationStore, type EvaluationStore } from './evaluation.store';
import { registerEvaluationRoutes } from './evaluation.routes';

/** The evaluations as the other slices use them. */
export interface Evaluations {
  store: EvaluationStore;
  /** The evaluation the caller may read (oversight roles, or a reviewer assigned to it), else 404. */
  readable(caller: Caller, dossierId: string): Promise<EvaluationState>;
  /**
   * A command of a route: the caller must be able to read the evaluation; `decide` runs on its current
   * state; refusals become 409/422 problems; a lost race is decided again. Returns the recorded state.
   */
  command(caller: Caller, dossierId: string, decide: (state: EvaluationState) => EvaluationDecision | Promise<EvaluationDecision>, metadata?: EventMetadata): Promise<EvaluationState>;
}

export function registerEvaluations(context: ServiceContext, deps: { calls: CallCopies; assigner: ReviewerAssigner }): Evaluations {
  const store = evaluationStore(context);
  const evaluations: Evaluations = {
    store,
    readable: async (caller, dossierId) => readableEvaluation(caller, await store.get(dossierId), dossierId),
    async command(caller, dossierId, decide, metadata) {
      const outcome = await store.transition(dossierId, (state) => decide(readableEvaluation(caller, state, dossierId)), metadata);
      return acceptedOrThrow(outcome?.decision ?? (readableEvaluation(caller, null, dossierId) as never), 'evaluation').state;
    },
  };
  registerEvaluationHandlers(context, { store, calls: deps.calls, assigner: deps.assigner });
  registerEvaluationRoutes(context, evaluations);
  return evaluations;
}

export * from './evaluation';
export { EVALUATION_OVERSIGHT, EVALUATION_READERS, oversees } from './access';
