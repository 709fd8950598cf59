import {
  DossierAccepted,
  DossierClosedWithoutFollowUp,
  DossierComplementRequested,
  DossierDecisionReopened,
  DossierRejected,
  DossierReviewStarted,
  DossierWaitlisted,
  type EventData,
  type EventDefinition,
  type EventEnvelope,
} from '@aap/contracts';
import { PermanentHandlerError } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierDependencies } from './index';
import { applyDecision, type Decision } from './dossier';
import type { DossierDocument } from './dossier.model';

/**
 * The evaluation service moves dossiers (review, complements, decisions); this service applies those
 * events to show each dossier's status to applicants and managers. Each update is guarded on the
 * status it leaves and on the event not being applied yet, so a redelivery changes nothing.
 * An event that cannot apply (unknown dossier, impossible transition) is a permanent failure: it goes
 * to the dead-letter topic with its reason rather than being silently dropped.
 */
export function registerDecisionHandlers(context: ServiceContext, { Dossier }: DossierDependencies): void {
  const on = <D extends EventDefinition>(definition: D, decision: Decision, effect: (data: EventData<D>) => Record<string, unknown>) =>
    context.consumer.on(definition, (event) => apply(event as EventEnvelope<EventData<D> & { dossierId: string; at: string }>, decision, effect(event.data)));

  async function apply(event: EventEnvelope<{ dossierId: string; at: string }>, decision: Decision, effect: Record<string, unknown>) {
    const dossier = await Dossier.findById(event.data.dossierId).lean<DossierDocument>();
    if (!dossier) throw new PermanentHandlerError(`no dossier ${event.data.dossierId}`);
    if (dossier.appliedEventIds.includes(event.id)) return;
    const outcome = applyDecision(dossier.status, decision);
    if ('refused' in outcome) throw new PermanentHandlerError(outcome.refused);

    const { $push: extraPush, ...set } = effect as { $push?: Record<string, unknown> };
    const at = new Date(event.data.at);
    const result = await Dossier.updateOne(
      { _id: dossier._id, status: dossier.status, appliedEventIds: { $ne: event.id } },
      {
        $set: { status: outcome.to, updatedAt: new Date(), ...set },
        $push: { appliedEventIds: event.id, history: { status: outcome.to, at, by: 'evaluation', eventId: event.id }, ...extraPush },
        $inc: { version: 1 },
      },
    );
    // Changed meanwhile (an applicant withdrew, say): retried, and then refused or skipped as fits.
    if (result.matchedCount === 0) throw new Error(`dossier ${dossier._id} changed while applying ${event.type}`);
  }

  const decided = (kind: string, motivation: string, grantCents?: number) => ({ kind, motivation, ...(grantCents !== undefined ? { grantCents } : {}) });

  on(DossierReviewStarted, 'review-started', () => ({}));
  on(DossierComplementRequested, 'complement-requested', (d) => ({
    $push: { complementRequests: { complementRequestId: d.complementRequestId, message: d.message, ...(d.dueDate ? { dueDate: d.dueDate } : {}), requestedAt: new Date(d.at) } },
  }));
  on(DossierAccepted, 'accepted', (d) => ({ decision: { ...decided('accepted', d.motivation, d.grantCents), at: new Date(d.at) } }));
  on(DossierRejected, 'rejected', (d) => ({ decision: { ...decided('rejected', d.motivation), at: new Date(d.at) } }));
  on(DossierWaitlisted, 'waitlisted', (d) => ({ decision: { ...decided('waitlisted', d.motivation), at: new Date(d.at) } }));
  on(DossierClosedWithoutFollowUp, 'closed-without-follow-up', (d) => ({ decision: { ...decided('closed-without-follow-up', d.motivation), at: new Date(d.at) } }));
  on(DossierDecisionReopened, 'decision-reopened', () => ({ decision: null }));
}
