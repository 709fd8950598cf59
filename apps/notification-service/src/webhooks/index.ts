import type { EventDefinition, EventEnvelope } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import { countingFailures } from '@aap/observability';
import type { NotificationSettings } from '../config';
import type { DeliveriesPort, DeliveryChannel } from '../deliveries';
import { WebhookQuota, webhookSlotModel } from './limits';
import { subscriptionStore } from './subscription.store';
import { webhookChannel, webhookRuntime, type WebhookDependencies } from './webhook-channel';
import { backOfficeHandlers, webhookEnqueuer } from './webhooks.handlers';
import { webhookRoutes } from './webhooks.routes';

export type { WebhookDependencies } from './webhook-channel';

/** What the other slices may do with webhooks: record an event's deliveries for an organisation's subscriptions. */
export interface WebhooksPort {
  enqueueFor(event: EventEnvelope, organisationId: string, dossierId?: string): Promise<void>;
}

export interface WebhookOptions {
  /** Event types an organisation may subscribe to: its applicant-facing events. */
  organisationEventTypes: readonly string[];
  /** Every event this service consumes: what a back-office subscription may ask for, and receives as it comes. */
  consumed: readonly EventDefinition[];
}

/**
 * Webhooks, in two steps because the delivery queue and webhooks need each other: the queue sends
 * through the webhook `channel`, and the routes and handlers record deliveries in the queue. So:
 * `registerWebhooks` declares the subscriptions and gives the channel; `connect(deliveries)` adds the
 * routes and the back-office handlers and returns the port.
 */
export function registerWebhooks(context: ServiceContext, settings: NotificationSettings, dependencies: WebhookDependencies = {}) {
  const store = subscriptionStore(context);
  const runtime = webhookRuntime(settings, context.config.NODE_ENV, dependencies);
  return {
    channel: { send: countingFailures('aap.webhook.delivery.failures', 'Webhook delivery attempts that failed (each retry counts).', webhookChannel(store, runtime).send) } as DeliveryChannel,
    /** Start-up upgrades of subscriptions written by earlier versions (`runUpgrades`), in order. */
    upgrades: { 'webhook-subscriptions-scope-active': store.upgradeScopeActive, 'webhook-subscriptions-version': store.upgradeVersion },
    connect(deliveries: DeliveriesPort, options: WebhookOptions): WebhooksPort {
      const quota = new WebhookQuota(webhookSlotModel(context), async (webhookId) => Boolean((await store.load(webhookId))?.active), settings.WEBHOOK_MAX_PER_ORGANISATION);
      webhookRoutes(context.http, store, {
        organisationEventTypes: options.organisationEventTypes,
        backOfficeEventTypes: options.consumed.map((definition) => definition.type),
        runtime,
        quota,
        deliveries,
      });
      const enqueueFor = webhookEnqueuer(store, deliveries);
      backOfficeHandlers(context.consumer, options.consumed, enqueueFor);
      return { enqueueFor };
    },
  };
}
