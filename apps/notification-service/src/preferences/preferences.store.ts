import { Schema } from 'mongoose';
import { documentStore, type ServiceContext } from '@aap/service-runtime';
import type { Preferences } from './preferences';

type PreferencesDocument = Omit<Preferences, 'organisationId'> & { _id: string };

/** One document per organisation that chose something (`_id` = its id), changed only through the command handler. */
export function preferencesStore(context: ServiceContext) {
  const model = context.model<PreferencesDocument>(
    'NotificationPreferences',
    new Schema<PreferencesDocument>({ _id: String, email: Schema.Types.Mixed, updatedAt: Date, updatedBy: String, version: Number }),
    { collection: 'notification_preferences' },
  );
  const store = documentStore<Preferences, PreferencesDocument>(model, {
    name: 'preferences',
    toState: ({ _id, ...fields }) => ({ organisationId: _id, ...fields }),
    toFields: ({ organisationId: _id, ...fields }) => fields,
  });
  return {
    load: (organisationId: string) => store.load(organisationId),
    commands: context.commands(store),
    /** Gives preferences written before the version theirs, once, at start-up (a scan before the consumer starts). */
    async upgradeVersion() {
      await model.updateMany({ version: { $exists: false } }, { $set: { version: 1 } });
    },
  };
}

export type PreferencesStore = ReturnType<typeof preferencesStore>;
