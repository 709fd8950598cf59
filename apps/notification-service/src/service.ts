import { callEvents, dossierEvents, organisationEvents, ProbeReachedFundingAward } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import type { ServiceModule } from '@aap/service-runtime';
import { registerCallCopies } from '@aap/service-runtime/call-copies';
import { notificationSettings, type NotificationSettings } from './config';
import { registerDeliveries } from './deliveries/register';
import { registerDirectory, upgradeDirectory } from './directory/directory';
import { emailChannel } from './email/email-channel';
import { registerInbox, upgradeInbox } from './inbox/inbox';
import { registerNotifications } from './notifications/notifications';
import { registerReviewerNotifications } from './notifications/reviewer-notifications';
import { ROUTED_EVENT_TYPES } from './notifications/routing';
import { registerPreferences } from './preferences/preferences';
import { registerTimeline } from './timeline/timeline';
import { runUpgrades } from './upgrades';
import { registerWebhooks, upgradeSubscriptions, webhookChannel, webhookModel, webhookRuntime, type WebhookDependencies } from './webhooks/webhooks';

/**
 * Notifications, inbox, e-mails, webhooks and the per-dossier timeline.
 *
 * `overrides` replace settings of the environment (in-process tests: the port of their SMTP server,
 * short retry delays); a process reads them from its environment (main.ts, config.ts). `dependencies`
 * replace what the environment cannot (tests: a host resolver of their own).
 */
export function createNotificationService(overrides: Partial<NotificationSettings> = {}, dependencies: WebhookDependencies = {}): ServiceModule {
  return {
    name: 'notification',
    description: 'Notifications by e-mail, in-app inbox and signed webhooks; the per-dossier timeline.',
    async register(context) {
      registerJourneyProbe(context, { receives: ProbeReachedFundingAward });

      const settings = notificationSettings(context.config, overrides);
      // Each slice registers its own handlers on the consumer and reads only what the event carries
      // or what it keeps itself: none depends on another having handled the same event first.
      const directory = registerDirectory(context);
      const calls = registerCallCopies(context);
      registerTimeline(context);
      const subscriptions = webhookModel(context);
      const webhookSetup = webhookRuntime(settings, context.config.NODE_ENV, dependencies);
      const deliveries = registerDeliveries(context, settings, { email: emailChannel(settings), webhook: webhookChannel(subscriptions, webhookSetup) });
      const consumed = [...organisationEvents, ...dossierEvents, ...callEvents];
      const consumedTypes = consumed.map((definition) => definition.type);
      const webhooks = registerWebhooks(context, subscriptions, deliveries, { organisationEventTypes: ROUTED_EVENT_TYPES, backOfficeEventTypes: consumedTypes, runtime: webhookSetup });
      const inbox = registerInbox(context);
      const preferences = registerPreferences(context);
      registerNotifications(context, { directory, calls, inbox, preferences, deliveries, webhooks, settings });
      // Staff e-mails to reviewers, from evaluation.* events: never in `consumed` (no inbox, timeline or webhook gets them).
      registerReviewerNotifications(context, { calls, deliveries, settings });
      // Back-office webhooks receive every consumed event, for every organisation, as it comes.
      for (const definition of consumed) context.consumer.on(definition, (event) => webhooks.enqueueFor(event, null));
      // Documents written before the equality flags of the hot paths get them before the consumer starts.
      await runUpgrades(context.db, {
        'directory-dossiers-open': () => upgradeDirectory(directory),
        'inbox-unread': () => upgradeInbox(inbox),
        'webhook-subscriptions-scope-active': () => upgradeSubscriptions(subscriptions),
      });
    },
  };
}

export const service: ServiceModule = createNotificationService();
