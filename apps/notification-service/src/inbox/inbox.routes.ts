import { z } from 'zod';
import { accepted, organisationId as organisationIdSchema } from '@aap/contracts';
import { callerOf, notFound, paginated, paginationQuery, policies, ROLE_SETS, type HttpServer } from '@aap/http';
import { read, type InboxItem } from './inbox';
import type { InboxStore } from './inbox.store';

export const inboxItemView = z.object({
  notificationId: z.string(),
  organisationId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  category: z.string(),
  dossierId: z.string().optional(),
  dossierNumber: z.string().optional(),
  subject: z.string(),
  body: z.string(),
  link: z.string().optional(),
  occurredAt: z.string(),
  read: z.boolean(),
  readAt: z.string().optional(),
});

function toView(item: InboxItem): z.infer<typeof inboxItemView> {
  return {
    notificationId: item.id,
    organisationId: item.organisationId,
    eventId: item.eventId,
    eventType: item.eventType,
    category: item.category,
    ...(item.dossierId ? { dossierId: item.dossierId } : {}),
    ...(item.dossierNumber ? { dossierNumber: item.dossierNumber } : {}),
    subject: item.subject,
    body: item.body,
    ...(item.link ? { link: item.link } : {}),
    occurredAt: new Date(item.occurredAt).toISOString(),
    read: Boolean(item.readAt),
    ...(item.readAt ? { readAt: new Date(item.readAt).toISOString() } : {}),
  };
}

const params = z.object({ organisationId: organisationIdSchema });

/** Items marked read at once by read-all (each is its own guarded write). */
const READ_ALL_CONCURRENCY = 8;

export function inboxRoutes(http: HttpServer, store: InboxStore): void {
  http.get(
    '/organisations/:organisationId/inbox',
    {
      // Organisation-wide, so of no call's team (issue 16): its organisation, and admins (audited); not staff nor reviewers.
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins } },
      schema: {
        operationId: 'listInbox',
        tags: ['inbox'],
        summary: "An organisation's notifications, newest first (an applicant reads its own organisation's only; staff: admins only)",
        params,
        querystring: paginationQuery.extend({
          unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('true: unread only; false: read only'),
        }),
        response: { 200: paginated(inboxItemView) },
      },
    },
    async (request) => {
      const { organisationId } = request.params;
      policies.ownOrganisation(callerOf(request), organisationId, `Inbox of ${organisationId}`);
      const { page, pageSize, unread } = request.query;
      const items = await store.page(organisationId, unread, { page, pageSize });
      return { ...items, items: items.items.map(toView) };
    },
  );

  http.get(
    '/organisations/:organisationId/inbox/unread-count',
    {
      // Organisation-wide, so of no call's team (issue 16): its organisation, and admins (audited); not staff nor reviewers.
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins } },
      schema: {
        operationId: 'countUnreadNotifications',
        tags: ['inbox'],
        summary: 'How many notifications of an organisation are unread',
        params,
        response: { 200: z.object({ organisationId: z.string(), unread: z.number().int() }) },
      },
    },
    async (request) => {
      const { organisationId } = request.params;
      policies.ownOrganisation(callerOf(request), organisationId, `Inbox of ${organisationId}`);
      return { organisationId, unread: await store.unreadCount(organisationId) };
    },
  );

  http.post(
    '/organisations/:organisationId/inbox/:notificationId/read',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins }, problems: [409] },
      schema: {
        operationId: 'markNotificationRead',
        tags: ['inbox'],
        summary: 'Mark a notification as read (idempotent: reading it again keeps the first reading time)',
        params: params.extend({ notificationId: z.string().min(1).max(300) }),
        response: { 200: inboxItemView },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { organisationId, notificationId } = request.params;
      policies.ownOrganisation(caller, organisationId, `Notification ${notificationId}`);
      const now = new Date();
      // Another organisation's item is decided on as if it did not exist: nothing written, 404.
      const handled = await store.items.handleExisting(notificationId, (item) => (item.organisationId === organisationId ? read(item, caller, now) : accepted(item)));
      if (!handled?.after || handled.after.organisationId !== organisationId) throw notFound(`Notification ${notificationId}`);
      return toView(handled.after);
    },
  );

  http.post(
    '/organisations/:organisationId/inbox/read-all',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins }, problems: [409] },
      schema: {
        operationId: 'markAllNotificationsRead',
        tags: ['inbox'],
        summary: 'Mark every notification of an organisation as read',
        params,
        response: { 200: z.object({ organisationId: z.string(), marked: z.number().int() }) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { organisationId } = request.params;
      policies.ownOrganisation(caller, organisationId, `Inbox of ${organisationId}`);
      const now = new Date();
      // The same decision as one reading, item by item: an item read meanwhile (by another request)
      // is not counted twice, and its first reading time stays.
      const unread = await store.unreadIds(organisationId);
      let marked = 0;
      for (let start = 0; start < unread.length; start += READ_ALL_CONCURRENCY) {
        const handled = await Promise.all(unread.slice(start, start + READ_ALL_CONCURRENCY).map((id) => store.items.handleExisting(id, (item) => read(item, caller, now))));
        marked += handled.filter((outcome) => outcome?.written).length;
      }
      return { organisationId, marked };
    },
  );
}
