import type { Connection } from 'mongoose';
import { z } from 'zod';
import { paginate, paginated, paginationQuery, type HttpServer } from '@aap/http';
import { OUTBOX_REJECTION_REASONS, outboxRejectedModel, type RejectedOutboxEntry } from '@aap/messaging';

const rejectedView = z.object({
  eventId: z.string(),
  type: z.string(),
  reason: z.enum(OUTBOX_REJECTION_REASONS),
  detail: z.string(),
  aggregate: z.object({ collection: z.string(), id: z.string() }),
  envelope: z.record(z.string(), z.unknown()),
  truncated: z.boolean(),
  bytes: z.number().int(),
  rejectedAt: z.string(),
});

const toView = (entry: RejectedOutboxEntry): z.infer<typeof rejectedView> => ({
  eventId: entry._id,
  type: entry.type,
  reason: entry.reason,
  detail: entry.detail,
  aggregate: { collection: entry.aggregate.collection, id: entry.aggregate.id },
  envelope: entry.envelope,
  truncated: entry.truncated,
  bytes: entry.bytes,
  rejectedAt: new Date(entry.rejectedAt).toISOString(),
});

/**
 * `GET /diagnostics/outbox/rejected` on every service: the outbox entries its relay set aside because
 * they can never be published (see OutboxRelay), newest first, for an operator to repair the cause.
 */
export function registerOutboxRejectedRoute(http: HttpServer, db: Connection): void {
  const Rejected = outboxRejectedModel(db);
  http.get(
    '/diagnostics/outbox/rejected',
    {
      config: { access: { roles: ['admin'] } },
      schema: {
        operationId: 'listRejectedOutboxMessages',
        tags: ['diagnostics'],
        summary: 'Outbox entries set aside because they can never be published (unknown type, too large, refused by the broker)',
        querystring: paginationQuery.extend({
          reason: z.enum(OUTBOX_REJECTION_REASONS).optional(),
          collection: z.string().min(1).max(64).optional(),
        }),
        response: { 200: paginated(rejectedView) },
      },
    },
    async (request) => {
      const { page, pageSize, reason, collection } = request.query;
      const filter = { ...(reason ? { reason } : {}), ...(collection ? { 'aggregate.collection': collection } : {}) };
      return paginate(Rejected, filter, { page, pageSize, sort: { rejectedAt: -1 } }, toView, { count: true });
    },
  );
}
