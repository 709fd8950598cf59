import { accepted } from '@aap/contracts';
import type { Caller } from '@aap/http';
import { PermanentHandlerError, type EventMetadata } from '@aap/messaging';
import { acceptedOrThrow, type ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { READERS, readableEvaluation, type EvaluationAccess } from './access';
import type { EvaluationDecision, EvaluationState } from './evaluation';
import { registerEvaluationHandlers } from './evaluation.handlers';
import { evaluationStore, type EvaluationStore } from './evaluation.store';
import { registerEvaluationRoutes } from './evaluation.routes';

type Decide = (state: EvaluationState) => EvaluationDecision | Promise<EvaluationDecision>;

/** The evaluations as the other slices use them: every command goes through the store's command handler. */
export interface Evaluations {
  store: EvaluationStore;
  /** The evaluation the caller reaches under `access` (default: the call's managers and committee, or a reviewer assigned to it), else 404. */
  readable(caller: Caller, dossierId: string, access?: EvaluationAccess): Promise<EvaluationState>;
  /**
   * A command of a route: the caller must reach the evaluation under `access` (default as `readable`);
   * `decide` runs on its current state; refusals become 409/422 problems; a lost race is decided again.
   * Returns the recorded state.
   */
  command(caller: Caller, dossierId: string, decide: Decide, options?: { access?: EvaluationAccess; metadata?: EventMetadata }): Promise<EvaluationState>;
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

export function registerEvaluations(context: ServiceContext, deps: { calls: CallCopies }): Evaluations {
  const store = evaluationStore(context);
  /** The evaluation if the caller reaches it: its call's team from the call copy (`policies.onCallTeam`), or its assigned reviewers. */
  const reached = async (caller: Caller, state: EvaluationState | null, dossierId: string, access: EvaluationAccess) =>
    readableEvaluation(caller, state, state ? await deps.calls.get(state.callId) : null, dossierId, access);
  const evaluations: Evaluations = {
    store,
    readable: async (caller, dossierId, access = READERS) => reached(caller, await store.get(dossierId), dossierId, access),
    async command(caller, dossierId, decide, { access = READERS, metadata } = {}) {
      const handled = await store.commands.handleExisting(dossierId, async (state) => decide(await reached(caller, state, dossierId, access)), metadata);
      if (!handled) return reached(caller, null, dossierId, access);
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
      // Inserted at once (an evaluation opens once per dossier); a redelivery loses the insert and finds it open.
      const handled = await store.commands.handleNew(dossierId, (existing) => (existing ? accepted(existing) : open()), metadata);
      if (handled.decision.outcome !== 'accepted') throw new PermanentHandlerError(refusalReason(handled.decision));
    },
  };
  registerEvaluationHandlers(context, evaluations.onEvent);
  registerEvaluationRoutes(context, evaluations.readable);
  return evaluations;
}

export * from './evaluation';
export { CALL_COMMITTEE, CALL_MANAGERS, EVALUATION_OVERSIGHT, EVALUATION_READERS, overseesCall, READERS, teamCall, type EvaluationAccess } from './access';
export { dossierParams } from './evaluation.views';
