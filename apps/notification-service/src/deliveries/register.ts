import { z } from 'zod';
import { organisationId } from '@aap/contracts';
import { paginate, paginated, paginationQuery, ROLE_SETS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { NotificationSettings } from '../config';
import { CHANNELS, DELIVERY_STATUSES, DeliveryQueue, deliveryModel, type Channel, type DeliveryChannel, type DeliveryDocument } from './deliveries';
import { deliveryView, toDeliveryView } from './views';

/**
 * The delivery queue, its sending job (the retry path: first attempts start as soon as a delivery
 * is recorded) and the operators' view of it: what is pending, what was sent, and what failed for
 * good (`GET /deliveries?status=failed`).
 */
export function registerDeliveries(context: ServiceContext, settings: NotificationSettings, channels: Partial<Record<Channel, DeliveryChannel>>): DeliveryQueue {
  const queue = new DeliveryQueue(deliveryModel(context), settings, channels, context.logger.child({ slice: 'deliveries' }));

  context.schedule('deliveries.send-due', async (now) => {
    // Drain what is due (a burst of retries) without waiting a tick per batch.
    while ((await queue.sendDue(now)) === settings.DELIVERY_BATCH_SIZE) now = new Date();
  });
  context.onStop('deliveries: immediate attempts', () => queue.stopImmediate());

  context.http.get(
    '/deliveries',
    {
      config: { access: { roles: ['admin'] } },
      schema: {
        tags: ['deliveries'],
        summary: 'E-mail and webhook deliveries, newest first; `status=failed` lists what failed for good',
        querystring: paginationQuery.extend({
          status: z.enum(DELIVERY_STATUSES).optional(),
          channel: z.enum(CHANNELS).optional(),
          organisationId: organisationId.optional(),
          dossierId: z.string().max(100).optional(),
          eventId: z.string().max(100).optional(),
        }),
        response: { 200: paginated(deliveryView) },
      },
    },
    async (request) => {
      const { page, pageSize, ...filters } = request.query;
      const filter = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
      return paginate(queue.model, filter, { page, pageSize, sort: { createdAt: -1 } }, toDeliveryView, { count: true });
    },
  );

  return queue;
}
