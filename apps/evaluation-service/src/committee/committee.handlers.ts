import { DossierWithdrawn } from '@aap/contracts';
import { causedBy } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { EnvelopeProcess } from './envelope.process';

/**
 * A withdrawn dossier gives back what it held on its call's envelope (what its approval held, or an
 * approval in progress), and the best waitlisted dossier that fits is proposed. Runs
 * after the evaluations' own dossier.withdrawn handler (registered later); idempotent: a redelivery
 * finds nothing held.
 */
export function registerCommitteeHandlers(context: ServiceContext, process: Pick<EnvelopeProcess, 'giveBack'>): void {
  context.consumer.on(DossierWithdrawn, async (event) => {
    const { callId, dossierId, number } = event.data;
    await process.giveBack(callId, dossierId, `withdrawal of ${number}`, causedBy(event));
  });
}
