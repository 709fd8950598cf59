import { Schema, type Model } from 'mongoose';
import { z } from 'zod';
import { organisationId as organisationIdSchema } from '@aap/contracts';
import { callerOf, notFound, paginate, paginated, paginationQuery, policies, ROLE_SETS } from '@aap/http';
import { documentLocksPlugin } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import { isDuplicateKey } from '@aap/service-runtime';

/**
 * The in-app inbox of each organisation: one item per (event, organisation), `_id` =
 * `${eventId}:${organisationId}`, so a redelivered event is a duplicate-key no-op. Every
 * notification lands here whatever the e-mail preferences.
 */
export interface InboxItem {
  _id: string;
  organisationId: string;
  eventId: string;
  eventType: string;
  category: string;
  dossierId?: string;
  dossierNumber?: string;
  subject: string;
  /** The message as plain text (the e-mail's text part). */
  body: string;
  link?: string;
  occurredAt: Date;
  createdAt: Date;
  /** True until read: the unread lists, count and mark-read filter on it (an equality; `readAt` missing would be an `$exists`). */
  unread: boolean;
  readAt?: Date;
  readBy?: string;
}

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
    notificationId: item._id,
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

export class Inbox {
  constructor(readonly model: Model<InboxItem>) {}

  /** Records an item; false when it already exists (the same event seen again). */
  async record(item: Omit<InboxItem, 'createdAt' | 'unread' | 'readAt' | 'readBy'>): Promise<boolean> {
    const defined = Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
    try {
      await this.model.collection.insertOne({ ...defined, unread: true, createdAt: new Date() } as never);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }
}

const params = z.object({ organisationId: organisationIdSchema });

/**
 * Gives items written before the `unread` flag its value, once, at start-up (a scan, before the
 * consumer starts: off every hot path).
 */
export async function upgradeInbox(inbox: Inbox): Promise<void> {
  await inbox.model.updateMany({ unread: { $exists: false }, readAt: { $exists: false } }, { $set: { unread: true } });
  await inbox.model.updateMany({ unread: { $exists: false } }, { $set: { unread: false } });
}

export function registerInbox(context: ServiceContext): Inbox {
  const schema = new Schema<InboxItem>(
    {
      _id: String,
      organisationId: String,
      eventId: String,
      eventType: String,
      category: String,
      dossierId: String,
      dossierNumber: String,
      subject: String,
      body: String,
      link: String,
      occurredAt: Date,
      createdAt: Date,
      unread: Boolean,
      readAt: Date,
      readBy: String,
    },
    { collection: 'inbox', versionKey: false },
  );
  schema.index({ organisationId: 1, occurredAt: -1 });
  schema.index({ organisationId: 1, unread: 1 });
  schema.plugin(documentLocksPlugin); // two concurrent readings of one item: the first reading time stays
  const model = context.db.model<InboxItem>('InboxItem', schema);
  const inbox = new Inbox(model);
  const { http } = context;

  http.get(
    '/organisations/:organisationId/inbox',
    {
      // Not reviewers: an organisation's inbox is about all its dossiers, not the ones a reviewer is assigned.
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: {
        tags: ['inbox'],
        summary: "An organisation's notifications, newest first (an applicant reads its own organisation's only)",
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
      const filter = { organisationId, ...(unread === undefined ? {} : { unread }) };
      return paginate(model, filter, { page, pageSize, sort: { occurredAt: -1 } }, toView, { count: true });
    },
  );

  http.get(
    '/organisations/:organisationId/inbox/unread-count',
    {
      // Not reviewers: an organisation's inbox is about all its dossiers, not the ones a reviewer is assigned.
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: {
        tags: ['inbox'],
        summary: 'How many notifications of an organisation are unread',
        params,
        response: { 200: z.object({ organisationId: z.string(), unread: z.number().int() }) },
      },
    },
    async (request) => {
      const { organisationId } = request.params;
      policies.ownOrganisation(callerOf(request), organisationId, `Inbox of ${organisationId}`);
      // Equalities on the indexed {organisationId, unread}: reads the organisation's unread items only.
      return { organisationId, unread: await model.countDocuments({ organisationId, unread: true }) };
    },
  );

  http.post(
    '/organisations/:organisationId/inbox/:notificationId/read',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins } },
      schema: {
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
      const item = await model.findById(notificationId).lean<InboxItem>();
      if (!item || item.organisationId !== organisationId) throw notFound(`Notification ${notificationId}`);
      if (!item.unread) return toView(item);
      // Guarded on `unread`: of two concurrent readings, only the first writes its time.
      await model.updateOne({ _id: notificationId, unread: true }, { $set: { unread: false, readAt: new Date(), readBy: caller.userId } });
      return toView((await model.findById(notificationId).lean<InboxItem>()) ?? item);
    },
  );

  http.post(
    '/organisations/:organisationId/inbox/read-all',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins } },
      schema: {
        tags: ['inbox'],
        summary: "Mark every notification of an organisation as read",
        params,
        response: { 200: z.object({ organisationId: z.string(), marked: z.number().int() }) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { organisationId } = request.params;
      policies.ownOrganisation(caller, organisationId, `Inbox of ${organisationId}`);
      const result = await model.updateMany({ organisationId, unread: true }, { $set: { unread: false, readAt: new Date(), readBy: caller.userId } });
      return { organisationId, marked: result.modifiedCount };
    },
  );

  return inbox;
}
