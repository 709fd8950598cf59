import { Schema } from 'mongoose';
import { paginate, type Pagination } from '@aap/http';
import { documentStore, type ServiceContext } from '@aap/service-runtime';
import { BACK_OFFICE, NO_REPLAY_WINDOW, type Subscription } from './subscription';

type SubscriptionDocument = Omit<Subscription, 'id' | 'replayWindow'> & { _id: string; replayWindow?: Subscription['replayWindow'] };

const toSubscription = ({ _id, replayWindow, ...fields }: SubscriptionDocument): Subscription => ({ id: _id, ...fields, replayWindow: replayWindow ?? NO_REPLAY_WINDOW });

export function subscriptionStore(context: ServiceContext) {
  const schema = new Schema<SubscriptionDocument>({
    _id: String,
    organisationId: String,
    scope: String,
    active: Boolean,
    url: String,
    eventTypes: [String],
    description: String,
    sealedSecret: String,
    secret: String,
    quotaSlot: String,
    replayWindow: { startedAt: Date, count: Number },
    createdBy: String,
    createdAt: Date,
    deletedAt: Date,
    version: Number,
  });
  schema.index({ scope: 1, active: 1 });
  const model = context.model<SubscriptionDocument>('WebhookSubscription', schema, { collection: 'webhook_subscriptions' });
  const store = documentStore<Subscription, SubscriptionDocument>(model, {
    name: 'webhook',
    toState: toSubscription,
    toFields: ({ id: _id, ...fields }) => fields,
    optional: ['secret'],
  });

  return {
    load: (id: string) => store.load(id),
    commands: context.commands(store),
    /**
     * The live subscriptions of a scope (an organisation, or BACK_OFFICE): runs for every consumed
     * event, so equalities on the indexed {scope, active}; at most WEBHOOK_MAX_PER_ORGANISATION.
     */
    async live(scope: string): Promise<Subscription[]> {
      return (await model.find({ scope, active: true }).lean<SubscriptionDocument[]>()).map(toSubscription);
    },
    /** Live subscriptions, newest first: a scope's, or every one (an admin). */
    page(scope: string | undefined, pagination: Pagination) {
      return paginate(model, { active: true, ...(scope ? { scope } : {}) }, { ...pagination, sort: { createdAt: -1 } }, toSubscription, { count: true });
    },
    /**
     * Gives subscriptions written before `scope`, `active`, the replay window and the version their
     * values, once, at start-up (scans, before the consumer starts: off every hot path).
     */
    async upgradeScopeActive() {
      const older = await model.find({ active: { $exists: false } }).lean<SubscriptionDocument[]>();
      for (const subscription of older) {
        await model.updateOne(
          { _id: subscription._id },
          { $set: { scope: subscription.organisationId ?? BACK_OFFICE, active: !subscription.deletedAt, ...(subscription.replayWindow ? {} : { replayWindow: NO_REPLAY_WINDOW }) } },
        );
      }
    },
    async upgradeVersion() {
      await model.updateMany({ version: { $exists: false } }, { $set: { version: 1 } });
    },
  };
}

export type SubscriptionStore = ReturnType<typeof subscriptionStore>;
