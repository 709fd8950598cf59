import { accepted, DossierResubmitted } from '@aap/contracts';
import { causedBy } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { Admit } from '../admissibility';
import { andThen, type Evaluations } from '../evaluations';
import { resumeAfterComplement } from './complement';

/**
 * The applicant answered a complement request (dossier.resubmitted): the evaluation resumes where it
 * paused, and one paused at admissibility is assessed again on the new snapshot (then given its
 * reviewers) — one decision, one write.
 */
export function registerComplementHandlers(context: ServiceContext, evaluations: Evaluations, calls: CallCopies, admit: Admit): void {
  context.consumer.on(DossierResubmitted, async (event) => {
    const { dossier, complementRequestId, answer } = event.data;
    const [call, now] = [await calls.forEvent(dossier.callId), new Date()];
    await evaluations.onEvent(
      dossier.dossierId,
      (state) =>
        andThen(resumeAfterComplement(state, dossier, complementRequestId, answer, now), (resumed) => (resumed.stage === 'admissibility' ? admit(resumed, call, now) : accepted(resumed))),
      causedBy(event),
    );
  });
}
