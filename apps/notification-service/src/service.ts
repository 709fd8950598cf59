import { catalogue, ProbeReachedFundingAward } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import type { ServiceModule } from '@aap/service-runtime';
import { notificationSettings, type NotificationSettings } from './config';
import { registerDeliveries } from './deliveries/register';
import { registerDirectory } from './directory/directory';
import { emailChannel } from './email/email-channel';
import { EventRouter } from './events';
import { registerInbox } from './inbox/inbox';
import { registerNotifications } from './notifications/notifications';
import { ROUTED_EVENT_TYPES } from './notifications/routing';
import { registerPreferences } from './preferences/preferences';
import { registerTimeline } from './timeline/timeline';
import { registerWebhooks, webhookChannel, webhookModel, webhookRuntime, type WebhookDependencies } from './webhooks/webhooks';

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
    register(context) {
      registerJourneyProbe(context, { receives: ProbeReachedFundingAward });

      const settings = notificationSettings(context.config, overrides);
      // Slices handling the same event run in this order: the directory first, so the others read
      // an up-to-date copy of organisations, dossiers and calls.
      const events = new EventRouter();
      const directory = registerDirectory(context, events);
      registerTimeline(context, events, directory);
      const subscriptions = webhookModel(context);
      const webhookSetup = webhookRuntime(settings, context.config.NODE_ENV, dependencies);
      const deliveries = registerDeliveries(context, settings, { email: emailChannel(settings), webhook: webhookChannel(subscriptions, webhookSetup) });
      const consumedTypes = events.types();
      const webhooks = registerWebhooks(context, subscriptions, deliveries, { organisationEventTypes: ROUTED_EVENT_TYPES, backOfficeEventTypes: consumedTypes, runtime: webhookSetup });
      const inbox = registerInbox(context);
      const preferences = registerPreferences(context);
      registerNotifications(context, events, { directory, inbox, preferences, deliveries, webhooks, settings });
      // Back-office webhooks receive every consumed event, for every organisation, as it comes.
      for (const type of consumedTypes) events.on(catalogue.get(type)!, (event) => webhooks.enqueueFor(event, null));
      events.attach(context.consumer);
    },
  };
}

export const service: ServiceModule = createNotificationService();
