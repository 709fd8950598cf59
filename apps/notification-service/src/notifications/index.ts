import type { ServiceContext } from '@aap/service-runtime';
import { notificationHandlers, type NotificationDependencies } from './notifications.handlers';
import { reviewerNotificationHandlers } from './reviewer-notifications.handlers';

export { ROUTED_EVENT_TYPES } from './routing';

/**
 * Notifications, a slice that only reacts: applicant-facing events become inbox items, e-mails and
 * webhook deliveries; reviewer-facing evaluation events become e-mails to the reviewers they name.
 */
export function registerNotifications(context: ServiceContext, deps: NotificationDependencies): void {
  notificationHandlers(context, deps);
  // Staff e-mails to reviewers, from evaluation.* events: no inbox, timeline or webhook gets them.
  reviewerNotificationHandlers(context, deps);
}
