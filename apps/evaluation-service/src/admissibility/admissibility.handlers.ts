import { DossierSubmitted } from '@aap/contracts';
import { causedBy } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { openEvaluation, type Evaluations } from '../evaluations';
import type { Admit } from './admissibility';

/**
 * A submitted dossier opens its evaluation: admissibility, then the reviewers when admissible, in
 * the evaluation's first write. A redelivery finds it open and changes nothing.
 */
export function registerAdmissibilityHandlers(context: ServiceContext, evaluations: Evaluations, calls: CallCopies, admit: Admit): void {
  context.consumer.on(DossierSubmitted, async (event) => {
    const { dossier } = event.data;
    const [call, now] = [await calls.forEvent(dossier.callId), new Date()];
    await evaluations.open(dossier.dossierId, () => admit(openEvaluation(dossier, now), call, now), causedBy(event));
  });
}
