import { DossierSubmitted, type CallSnapshot } from '@aap/contracts';
import { causedBy } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '../calls';
import { openEvaluation, type EvaluationDecision, type EvaluationState, type Evaluations } from '../evaluations';

/**
 * A submitted dossier opens its evaluation: admissibility, then the reviewers when admissible, in
 * the evaluation's first write. A redelivery finds it open and changes nothing.
 */
export function registerAdmissibilityHandlers(
  context: ServiceContext,
  deps: { evaluations: Evaluations; calls: CallCopies; admit: (state: EvaluationState, call: CallSnapshot, now: Date) => Promise<EvaluationDecision> },
): void {
  const { evaluations, calls, admit } = deps;
  context.consumer.on(DossierSubmitted, async (event) => {
    const { dossier } = event.data;
    const call = await calls.forEvent(dossier.callId);
    const now = new Date();
    await evaluations.open(dossier.dossierId, () => admit(openEvaluation(dossier, now), call, now), causedBy(event));
  });
}
