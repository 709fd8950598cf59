import { z } from 'zod';
import { organisationId } from '@aap/contracts';
import { paginated, paginationQuery, type HttpServer } from '@aap/http';
import { CHANNELS, DELIVERY_STATUSES } from './delivery';
import type { DeliveryStore } from './delivery.store';
import { deliveryView, toDeliveryView } from './delivery.views';

/** The operators' view of the queue: what is pending, what was sent, and what failed for good (`GET /deliveries?status=failed`). */
export function deliveryRoutes(http: HttpServer, store: DeliveryStore): void {
  http.get(
    '/deliveries',
    {
      config: { access: { roles: ['admin'] } },
      schema: {
        operationId: 'listDeliveries',
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
      const { page, pageSize, ...filter } = request.query;
      const found = await store.page(filter, { page, pageSize });
      return { ...found, items: found.items.map(toDeliveryView) };
    },
  );
}
