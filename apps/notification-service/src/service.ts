import { awardEvents, callEvents, dossierEvents, organisationEvents, ProbeReachedFundingAward } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import { runUpgrades, type ServiceModule } from '@aap/service-runtime';
import { registerCallCopies } from '@aap/service-runtime/call-copies';
import { notificationSettings, type NotificationSettings } from './config';
import { registerDeliveries } from './deliveries';
import { registerDirectory, upgradeDirectory } from './directory';
import { emailChannel } from './email';
import { registerInbox } from './inbox';
import { registerNotifications, ROUTED_EVENT_TYPES } from './notifications';
import { registerPreferences } from './preferences';
import { registerTimeline } from './timeline';
import { registerWebhooks, type WebhookDependencies } from './webhooks';

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
      // or what it keeps itself; the handlers of one event run side by side, except the notifications,
      // which read the directory and the call's copy as the same event left them (a call's title).
      const { consumer } = context;
      const directory = consumer.named('directory', () => registerDirectory(context));
      const calls = consumer.named('call-copies', () => registerCallCopies(context));
      registerTimeline(context, calls);
      const subscriptions = registerWebhooks(context, settings, dependencies);
      const deliveries = registerDeliveries(context, settings, { email: emailChannel(settings, context.config.NODE_ENV), webhook: subscriptions.channel });
      const webhooks = subscriptions.connect(deliveries, { organisationEventTypes: ROUTED_EVENT_TYPES, consumed: [...organisationEvents, ...dossierEvents, ...awardEvents, ...callEvents] });
      const inbox = registerInbox(context);
      const preferences = registerPreferences(context);
      consumer.named('notifications', () => registerNotifications(context, { directory, calls, inbox, preferences, deliveries, webhooks, settings }), { after: ['directory', 'call-copies'] });
      // Documents written by earlier versions get the fields of the hot paths' equalities and their
      // version before the consumer starts.
      await runUpgrades(context.db, {
        'directory-dossiers-open': () => upgradeDirectory(directory),
        ...inbox.upgrades,
        ...subscriptions.upgrades,
        ...deliveries.upgrades,
        ...preferences.upgrades,
      });
    },
  };
}

export const service: ServiceModule = createNotificationService();
