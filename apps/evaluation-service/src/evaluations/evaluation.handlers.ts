import { DossierWithdrawn } from '@aap/contracts';
import { causedBy, type EventMetadata } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import { recordWithdrawal, type EvaluationDecision, type EvaluationState } from './evaluation';

/** `Evaluations.onEvent` (index.ts): a consumed event's command on the dossier's evaluation. */
type OnEvent = (dossierId: string, decide: (state: EvaluationState) => EvaluationDecision, metadata?: EventMetadata) => Promise<unknown>;

/**
 * A withdrawn dossier ends its evaluation wherever it was. The dossiers that open or resume an
 * evaluation are the use cases' (admissibility/ on dossier.submitted, complements/ on
 * dossier.resubmitted). A redelivery changes nothing (the consumer remembers handled events, and a
 * withdrawn evaluation stays withdrawn).
 */
export function registerEvaluationHandlers(context: ServiceContext, onEvent: OnEvent): void {
  context.consumer.on(DossierWithdrawn, async (event) => void (await onEvent(event.data.dossierId, (state) => recordWithdrawal(state, new Date()), causedBy(event))));
}
