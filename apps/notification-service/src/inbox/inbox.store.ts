import { Schema } from 'mongoose';
import type { Pagination } from '@aap/http';
import { paginate } from '@aap/http';
import { documentStore, type ServiceContext } from '@aap/service-runtime';
import type { InboxItem } from './inbox';

type InboxDocument = Omit<InboxItem, 'id'> & { _id: string };

const toItem = ({ _id, ...fields }: InboxDocument): InboxItem => ({ id: _id, ...fields });

/** The inbox items of every organisation: one document per item, changed only through the command handler. */
export function inboxStore(context: ServiceContext) {
  const schema = new Schema<InboxDocument>({
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
    version: Number,
  });
  schema.index({ organisationId: 1, occurredAt: -1 });
  schema.index({ organisationId: 1, unread: 1 });
  const model = context.model<InboxDocument>('InboxItem', schema, { collection: 'inbox' });
  const items = context.commands(
    documentStore<InboxItem, InboxDocument>(model, {
      name: 'notification',
      toState: toItem,
      toFields: ({ id: _id, ...fields }) => fields,
    }),
  );

  return {
    items,
    /** A page of an organisation's items, newest first: equalities on the indexed {organisationId, unread}. */
    page(organisationId: string, unread: boolean | undefined, pagination: Pagination) {
      const filter = { organisationId, ...(unread === undefined ? {} : { unread }) };
      return paginate(model, filter, { ...pagination, sort: { occurredAt: -1 } }, toItem, { count: true });
    },
    /** Equalities on the indexed {organisationId, unread}: reads the organisation's unread items only. */
    unreadCount: (organisationId: string) => model.countDocuments({ organisationId, unread: true }),
    async unreadIds(organisationId: string): Promise<string[]> {
      return (await model.find({ organisationId, unread: true }, { _id: 1 }).lean<Array<{ _id: string }>>()).map((item) => item._id);
    },
    /**
     * Gives items written before the `unread` flag and the version their values, once, at start-up
     * (scans, before the consumer starts: off every hot path).
     */
    async upgradeUnread() {
      await model.updateMany({ unread: { $exists: false }, readAt: { $exists: false } }, { $set: { unread: true } });
      await model.updateMany({ unread: { $exists: false } }, { $set: { unread: false } });
    },
    async upgradeVersion() {
      await model.updateMany({ version: { $exists: false } }, { $set: { version: 1 } });
    },
  };
}

export type InboxStore = ReturnType<typeof inboxStore>;
