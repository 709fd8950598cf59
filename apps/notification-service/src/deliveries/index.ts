import type { Pagination } from '@aap/http';
import type { Handled, ServiceContext } from '@aap/service-runtime';
import type { NotificationSettings } from '../config';
import type { Channel, Delivery, DeliveryStatus, NewDelivery } from './delivery';
import type { DeliveryChannel } from './delivery-channel';
import { DeliveryQueue } from './delivery-queue';
import { deliveryRoutes } from './delivery.routes';
import { deliveryStore } from './delivery.store';

export { DELIVERY_STATUSES, type Delivery, type NewDelivery } from './delivery';
export { DeliveryError, type DeliveryChannel } from './delivery-channel';
export { deliveryView, toDeliveryView } from './delivery.views';

/** What the other slices may do with deliveries: record one, read a subscription's, replay one. */
export interface DeliveriesPort {
  /** Records a delivery and starts its first attempt; false when it was recorded already (the same event seen again). */
  enqueue(delivery: NewDelivery): Promise<boolean>;
  find(deliveryId: string): Promise<Delivery | null>;
  ofSubscription(subscriptionId: string, status: DeliveryStatus | undefined, pagination: Pagination): Promise<{ items: Delivery[]; page: number; pageSize: number; total: number }>;
  /** Null when there is no such delivery; a wrong-status decision when it is not sent or failed. */
  replay(deliveryId: string, requestedBy: string): Promise<Handled<Delivery> | null>;
  /** Start-up upgrades of documents written by earlier versions (`runUpgrades`). */
  upgrades: Record<string, () => Promise<void>>;
}

/**
 * The delivery queue, its sending job (the retry path: first attempts start as soon as a delivery is
 * recorded) and the operators' list.
 */
export function registerDeliveries(context: ServiceContext, settings: NotificationSettings, channels: Partial<Record<Channel, DeliveryChannel>>): DeliveriesPort {
  const store = deliveryStore(context);
  const queue = new DeliveryQueue(store, settings, channels, context.logger.child({ slice: 'deliveries' }));
  context.schedule('deliveries.send-due', async (now) => {
    // Drain what is due (a burst of retries) without waiting a tick per batch.
    while ((await queue.sendDue(now)) === settings.DELIVERY_BATCH_SIZE) now = new Date();
  });
  context.onStop('deliveries: immediate attempts', () => queue.stopImmediate());
  deliveryRoutes(context.http, store);
  return {
    enqueue: (delivery) => queue.enqueue(delivery),
    find: (deliveryId) => store.load(deliveryId),
    ofSubscription: (subscriptionId, status, pagination) => store.page({ subscriptionId, ...(status ? { status } : {}) }, pagination),
    replay: (deliveryId, requestedBy) => queue.replay(deliveryId, requestedBy),
    upgrades: { 'deliveries-version': store.upgradeVersion },
  };
}
