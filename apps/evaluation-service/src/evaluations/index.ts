import { accepted } from '@aap/contracts';
import type { Caller } from '@aap/http';
import { PermanentHandlerError, type EventMetadata } from '@aap/messaging';
import { acceptedOrThrow, type ServiceContext } from '@aap/service-runtime';
import { readableEvaluation } from './access';
import type { EvaluationDecision, EvaluationState } from './evaluation';
import { registerEvaluationHandlers } from './evaluation.handlers';
import { evaluationStore, type EvaluationStore } from './evaluation.store';
import { registerEvaluationRoutes } from './evaluation.routes';

type Decide = (state: EvaluationState) => EvaluationDecision | Promise<EvaluationDecision>;

/** The evaluations as the other slices use them: every command goes through the store's command handler. */
export interface Evaluations {
  store: EvaluationStore;
  /** The evaluation the caller may read (oversight roles, or a reviewer assigned to it), else 404. */
  readable(caller: Caller, dossierId: string): Promise<EvaluationState>;
  /**
   * A command of a route: the caller must be able to read the evaluation; `decide` runs on its current
   * state; refusals become 409/422 problems; a lost race is decided again. Returns the recorded state.
   */
  command(caller: Caller, dossierId: string, decide: Decide, metadata?: EventMetadata): Promise<EvaluationState>;
  /**
   * A command of a consumed event: `decide` runs on the dossier's evaluation; an unknown dossier or a
   * refusal is a `PermanentHandlerError` (dead letter with its reason).
   */
  onEvent(dossierId: string, decide: Decide, metadata?: EventMetadata): Promise<EvaluationState>;
  /** Opens the dossier's evaluation as `open` decides it (a refusal is a dead letter); a redelivery finds it open and changes nothing. */
  open(dossierId: string, open: () => EvaluationDecision | Promise<EvaluationDecision>, metadata?: EventMetadata): Promise<void>;
}

/** The refusal of a decision taken on an event, as the dead-letter reason. */
export const refusalReason = (decision: EvaluationDecision) =>
  decision.outcome === 'refused' ? decision.violations.map((v) => v.detail).join('; ') : decision.outcome === 'wrong-status' ? decision.detail : '';

export function registerEvaluations(context: ServiceContext): Evaluations {
  const store = evaluationStore(context);
  const evaluations: Evaluations = {
    store,
    readable: async (caller, dossierId) => readableEvaluation(caller, await store.get(dossierId), dossierId),
    async command(caller, dossierId, decide, metadata) {
      const handled = await store.commands.handleExisting(dossierId, (state) => decide(readableEvaluation(caller, state, dossierId)), metadata);
      if (!handled) return readableEvaluation(caller, null, dossierId);
      acceptedOrThrow(handled.decision, 'evaluation');
      return handled.after!;
    },
    async onEvent(dossierId, decide, metadata) {
      const handled = await store.commands.handleExisting(dossierId, decide, metadata);
      if (!handled) throw new PermanentHandlerError(`no evaluation of dossier ${dossierId}`);
      if (handled.decision.outcome !== 'accepted') throw new PermanentHandlerError(refusalReason(handled.decision));
      return handled.after!;
    },
    async open(dossierId, open, metadata) {
      const handled = await store.commands.handle(dossierId, (existing) => (existing ? accepted(existing) : open()), metadata);
      if (handled.decision.outcome !== 'accepted') throw new PermanentHandlerError(refusalReason(handled.decision));
    },
  };
  registerEvaluationHandlers(context, evaluations.onEvent);
  registerEvaluationRoutes(context, evaluations.readable);
  return evaluations;
}

export * from './evaluation';
export { EVALUATION_OVERSIGHT, EVALUATION_READERS, oversees } from './access';
export { dossierParams } from './evaluation.views';
