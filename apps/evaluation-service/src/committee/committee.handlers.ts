import { DossierWithdrawn } from '@aap/contracts';
import { causedBy } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { Envelope } from './envelope';

/**
 * A withdrawn dossier gives back what it held on its call's envelope (a hold left by an approval
 * interrupted between its two steps), and the best waitlisted dossier that fits is proposed. Runs
 * after the evaluations' own dossier.withdrawn handler (registered later); idempotent: a redelivery
 * finds nothing held.
 */
export function registerCommitteeHandlers(context: ServiceContext, envelope: Envelope): void {
  context.consumer.on(DossierWithdrawn, async (event) => {
    const { callId, dossierId, number } = event.data;
    await envelope.giveBack(callId, dossierId, `withdrawal of ${number}`, causedBy(event));
  });
}
