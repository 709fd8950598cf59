import type { DossierReference } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { NotificationSettings } from '../config';
import type { DeliveriesPort } from '../deliveries';
import { tellReviewers } from './notification';
import { REVIEWER_ROUTES } from './reviewer-routing';

export interface ReviewerNotificationDependencies {
  calls: CallCopies;
  deliveries: DeliveriesPort;
  settings: NotificationSettings;
}

/**
 * Turns each reviewer-facing evaluation event into one e-mail delivery per reviewer it names, keyed by
 * event and reviewer (the same event seen again records nothing). Nothing else: no inbox item, no
 * organisation, no webhook — reviewer identities never reach an applicant.
 */
export function reviewerNotificationHandlers(context: ServiceContext, { calls, deliveries, settings }: ReviewerNotificationDependencies): void {
  for (const route of REVIEWER_ROUTES) {
    context.consumer.on(route.event, async (event) => {
      const dossier = event.data as DossierReference;
      const call = await calls.get(dossier.callId);
      const emails = tellReviewers(route, event, dossier, { ...(call?.title ? { callTitle: call.title } : {}), publicAppUrl: settings.PUBLIC_APP_URL });
      for (const email of emails) await deliveries.enqueue(email);
    });
  }
}
