import { Schema } from 'mongoose';
import { paginate, type Pagination } from '@aap/http';
import { documentStore, type ServiceContext } from '@aap/service-runtime';
import { CHANNELS, DELIVERY_STATUSES, type Delivery, type DeliveryStatus } from './delivery';

type DeliveryDocument = Omit<Delivery, 'id'> & { _id: string };

const toDelivery = ({ _id, ...fields }: DeliveryDocument): Delivery => ({ id: _id, ...fields });

/** Fields a delivery drops on its way (a lease given back, an error overcome, a replay). */
const OPTIONAL = ['leaseUntil', 'claimToken', 'lastError', 'sentAt', 'failedAt'] as const;

/** Equality filters of the delivery lists (each on an indexed field or a small set). */
export interface DeliveryFilter {
  status?: DeliveryStatus;
  channel?: Delivery['channel'];
  organisationId?: string;
  dossierId?: string;
  eventId?: string;
  subscriptionId?: string;
}

export function deliveryStore(context: ServiceContext) {
  const schema = new Schema<DeliveryDocument>({
    _id: String,
    channel: { type: String, enum: CHANNELS },
    status: { type: String, enum: DELIVERY_STATUSES },
    eventId: String,
    eventType: String,
    organisationId: String,
    dossierId: String,
    email: Schema.Types.Mixed,
    webhook: Schema.Types.Mixed,
    attempts: Number,
    nextAttemptAt: Date,
    leaseUntil: Date,
    claimToken: String,
    lastError: String,
    log: [Schema.Types.Mixed],
    createdAt: Date,
    sentAt: Date,
    failedAt: Date,
    version: Number,
  });
  // The event a webhook delivery carries is sent as it came: an empty object in it stays.
  schema.set('minimize', false);
  schema.index({ status: 1, nextAttemptAt: 1 });
  schema.index({ status: 1, leaseUntil: 1 });
  schema.index({ 'webhook.subscriptionId': 1, createdAt: -1 });
  const model = context.model<DeliveryDocument>('Delivery', schema, { collection: 'deliveries' });
  const store = documentStore<Delivery, DeliveryDocument>(model, {
    name: 'delivery',
    toState: toDelivery,
    toFields: ({ id: _id, ...fields }) => fields,
    optional: OPTIONAL,
  });

  return {
    load: (id: string) => store.load(id),
    commands: context.commands(store),
    /** Inserts a new delivery (version 1) without reading first; false when it exists (the same event seen again). */
    create: (delivery: Delivery) => store.create(delivery.id, delivery, []),
    /** ONE guarded write of `next`, decided on `current` held in memory; false when the stored version moved on. */
    record: (current: Delivery, next: Delivery) => store.record(current.id, current, next, []),
    /**
     * What the scheduler may claim now, at most `batch`: pending deliveries that are due (earliest
     * first) and sending ones whose lease expired. Only `{status}` equalities on the indexed status,
     * ordered and limited to a batch, due-ness checked here; sent and failed deliveries, the history
     * that grows, are never read.
     */
    async claimable(batch: number, now: Date): Promise<string[]> {
      const [pending, sending] = await Promise.all([
        model.find({ status: 'pending' }, { nextAttemptAt: 1 }).sort({ nextAttemptAt: 1 }).limit(batch).lean<Array<Pick<DeliveryDocument, '_id' | 'nextAttemptAt'>>>(),
        model.find({ status: 'sending' }, { leaseUntil: 1 }).sort({ leaseUntil: 1 }).limit(batch).lean<Array<Pick<DeliveryDocument, '_id' | 'leaseUntil'>>>(),
      ]);
      const reached = (date: Date | undefined) => date !== undefined && new Date(date).getTime() <= now.getTime();
      return [...pending.filter((d) => reached(d.nextAttemptAt)), ...sending.filter((d) => reached(d.leaseUntil))].slice(0, batch).map((d) => d._id);
    },
    page({ subscriptionId, ...filter }: DeliveryFilter, pagination: Pagination) {
      const equalities = Object.fromEntries(Object.entries({ ...filter, ...(subscriptionId ? { 'webhook.subscriptionId': subscriptionId } : {}) }).filter(([, value]) => value !== undefined));
      return paginate(model, equalities, { ...pagination, sort: { createdAt: -1 } }, toDelivery, { count: true });
    },
    /** Gives deliveries written before the version theirs, once, at start-up (a scan before the consumer starts). */
    async upgradeVersion() {
      await model.updateMany({ version: { $exists: false } }, { $set: { version: 1 } });
    },
  };
}

export type DeliveryStore = ReturnType<typeof deliveryStore>;
