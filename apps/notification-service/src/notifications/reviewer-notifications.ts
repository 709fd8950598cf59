import type { DossierReference } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { NotificationSettings } from '../config';
import type { DeliveryQueue } from '../deliveries/deliveries';
import { renderMessage, type ReviewerMessageModel } from '../templates/template';
import { REVIEWER_ROUTES } from './reviewer-routing';

export interface ReviewerNotificationDependencies {
  calls: CallCopies;
  deliveries: DeliveryQueue;
  settings: NotificationSettings;
}

/**
 * Turns each reviewer-facing evaluation event into one e-mail delivery per reviewer it names, keyed by
 * event and reviewer (a redelivered event is a duplicate-key no-op). Nothing else: no inbox item, no
 * organisation, no webhook — reviewer identities never reach an applicant.
 */
export function registerReviewerNotifications(context: ServiceContext, { calls, deliveries, settings }: ReviewerNotificationDependencies): void {
  for (const route of REVIEWER_ROUTES) {
    context.consumer.on(route.event, async (event) => {
      const { dossierId, number, callId } = event.data as DossierReference;
      const call = await calls.get(callId);
      for (const recipient of route.recipients(event.data)) {
        const model: ReviewerMessageModel<unknown> = {
          data: recipient.data,
          occurredAt: event.time,
          reviewer: { reviewerId: recipient.reviewerId, name: recipient.name },
          call: { callId, ...(call?.title ? { title: call.title } : {}) },
          // The dossier's evaluation sheet in the back office, where a conflict is declared too.
          dossier: { dossierId, number, link: `${settings.PUBLIC_APP_URL}/evaluations/${encodeURIComponent(dossierId)}` },
        };
        const message = renderMessage(route.template, model);
        await deliveries.enqueue({
          _id: `${event.id}:reviewer:${recipient.reviewerId}`,
          channel: 'email',
          eventId: event.id,
          eventType: event.type,
          dossierId,
          email: { to: { name: recipient.name, address: recipient.email.trim() }, subject: message.subject, text: message.text, html: message.html, category: 'evaluation' },
        });
      }
    });
  }
}
