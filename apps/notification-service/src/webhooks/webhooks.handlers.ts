import { catalogue, type EventDefinition, type EventEnvelope } from '@aap/contracts';
import type { EventConsumer } from '@aap/messaging';
import type { DeliveriesPort, NewDelivery } from '../deliveries';
import { applicantEventData } from './applicant-payload';
import { BACK_OFFICE, type Subscription } from './subscription';
import type { SubscriptionStore } from './subscription.store';

/**
 * What an event becomes for the live subscriptions of one scope: one delivery per subscription that
 * wants its type, keyed `${eventId}:${subscriptionId}` (the same event seen again records nothing).
 * An organisation receives what its applicant view shows; the back-office (`organisationId` null), the whole event.
 */
export function webhookDeliveriesOf(event: EventEnvelope, live: readonly Subscription[], organisationId: string | null, dossierId?: string): NewDelivery[] {
  // A subscription to a superseded version of the event receives its current version (what is consumed).
  const subscriptions = live.filter((subscription) => subscription.eventTypes.some((type) => catalogue.current(type)?.type === event.type));
  if (subscriptions.length === 0) return [];
  const envelope = organisationId ? { ...event, data: applicantEventData(event.type, event.data) } : event;
  return subscriptions.map((subscription) => ({
    id: `${event.id}:${subscription.id}`,
    channel: 'webhook',
    eventId: event.id,
    eventType: event.type,
    ...(organisationId ? { organisationId } : {}),
    ...(dossierId ? { dossierId } : {}),
    webhook: { subscriptionId: subscription.id, envelope },
  }));
}

/** Records the webhook deliveries of an event for one scope (an organisation's, or the back-office's when null). */
export function webhookEnqueuer(store: SubscriptionStore, deliveries: DeliveriesPort) {
  return async (event: EventEnvelope, organisationId: string | null, dossierId?: string): Promise<void> => {
    await Promise.all(webhookDeliveriesOf(event, await store.live(organisationId ?? BACK_OFFICE), organisationId, dossierId).map((delivery) => deliveries.enqueue(delivery)));
  };
}

/** Back-office webhooks receive every consumed event, for every organisation, as it comes. */
export function backOfficeHandlers(consumer: EventConsumer, consumed: readonly EventDefinition[], enqueueFor: ReturnType<typeof webhookEnqueuer>): void {
  for (const definition of consumed) consumer.on(definition, (event) => enqueueFor(event, null));
}
