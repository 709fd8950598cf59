import { accepted, DossierResubmitted, DossierSubmitted, DossierWithdrawn } from '@aap/contracts';
import { causedBy, PermanentHandlerError } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import { startAdmissibility } from '../admissibility/admissibility';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { resumeAfterComplement } from '../complements/complement';
import { andThen, openEvaluation, recordWithdrawal, type EvaluationDecision, type EvaluationState, type ReviewerAssigner } from './evaluation';
import type { EvaluationStore } from './evaluation.store';

/** The refusal of a decision taken on an event, as the dead-letter reason. */
const reasonOf = (decision: EvaluationDecision) => (decision.outcome === 'refused' ? decision.violations.map((v) => v.detail).join('; ') : decision.outcome === 'wrong-status' ? decision.detail : '');

/**
 * The dossiers this service evaluates, from the submission service's events: a submitted dossier
 * opens its evaluation (admissibility, then reviewers when admissible), a resubmission resumes it, a
 * withdrawal ends it. Every write is one guarded single-document write with its events; a redelivery
 * changes nothing (the consumer remembers handled events, and the evaluation is keyed by dossier).
 */
export function registerEvaluationHandlers(context: ServiceContext, deps: { store: EvaluationStore; calls: CallCopies; assigner: ReviewerAssigner }): void {
  const { store, calls, assigner } = deps;

  /** Admissible → the reviewers it lacks, in the same write. */
  const assignIfInReview = (call: Parameters<ReviewerAssigner['assign']>[1], now: Date) => (state: EvaluationState) =>
    state.stage === 'in-review' ? assigner.assign(state, call, 'admissible', now) : accepted(state);

  const callOf = async (callId: string) => {
    const call = await calls.get(callId);
    // The call's events are on another topic and may come later: retried (then parked) until they do.
    if (!call) throw new Error(`no copy of call ${callId} yet`);
    return call;
  };

  context.consumer.on(DossierSubmitted, async (event) => {
    const { dossier } = event.data;
    const call = await callOf(dossier.callId);
    const now = new Date();
    const decision = await andThen(startAdmissibility(openEvaluation(dossier, now), call, now), assignIfInReview(call, now));
    if (decision.outcome !== 'accepted') throw new PermanentHandlerError(reasonOf(decision));
    await store.open(decision.state, context.events(decision.events, causedBy(event)));
  });

  context.consumer.on(DossierResubmitted, async (event) => {
    const { dossier, complementRequestId, answer } = event.data;
    const call = await callOf(dossier.callId);
    const now = new Date();
    const outcome = await store.transition(
      dossier.dossierId,
      async (state) =>
        andThen(resumeAfterComplement(state, dossier, complementRequestId, answer, now), (resumed) =>
          resumed.stage === 'admissibility' ? andThen(startAdmissibility(resumed, call, now), assignIfInReview(call, now)) : accepted(resumed),
        ),
      causedBy(event),
    );
    if (!outcome) throw new PermanentHandlerError(`no evaluation of dossier ${dossier.dossierId}`);
    if (outcome.decision.outcome !== 'accepted') throw new PermanentHandlerError(reasonOf(outcome.decision));
  });

  context.consumer.on(DossierWithdrawn, async (event) => {
    const outcome = await store.transition(event.data.dossierId, (state) => recordWithdrawal(state, new Date()), causedBy(event));
    if (!outcome) throw new PermanentHandlerError(`no evaluation of dossier ${event.data.dossierId}`);
    if (outcome.decision.outcome !== 'accepted') throw new PermanentHandlerError(reasonOf(outcome.decision));
  });
}
