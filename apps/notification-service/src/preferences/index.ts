import type { ServiceContext } from '@aap/service-runtime';
import type { Category } from './categories';
import { emailEnabled } from './preferences';
import { preferencesRoutes } from './preferences.routes';
import { preferencesStore } from './preferences.store';

export { CATEGORIES, type Category } from './categories';

/** What the other slices may ask of the preferences. */
export interface PreferencesPort {
  emailEnabled(organisationId: string, category: Category): Promise<boolean>;
  /** Start-up upgrades of documents written by earlier versions (`runUpgrades`). */
  upgrades: Record<string, () => Promise<void>>;
}

export function registerPreferences(context: ServiceContext): PreferencesPort {
  const store = preferencesStore(context);
  preferencesRoutes(context.http, store);
  return {
    emailEnabled: async (organisationId, category) => emailEnabled(await store.load(organisationId), category),
    upgrades: { 'notification-preferences-version': store.upgradeVersion },
  };
}
