import type { ServiceContext } from '@aap/service-runtime';
import { receive, type Notice } from './inbox';
import { inboxRoutes } from './inbox.routes';
import { inboxStore } from './inbox.store';

export type { Notice } from './inbox';

/** What the other slices may do with the inbox: put an event's notice in it, once. */
export interface InboxPort {
  /** Records the notice; false when it was there already (the same event seen again). */
  receive(notice: Notice): Promise<boolean>;
  /** Start-up upgrades of items written by earlier versions (`runUpgrades`). */
  upgrades: Record<string, () => Promise<void>>;
}

/** The in-app inbox of each organisation: its items, their reading, and the routes to read them. */
export function registerInbox(context: ServiceContext): InboxPort {
  const store = inboxStore(context);
  inboxRoutes(context.http, store);
  return {
    async receive(notice) {
      const now = new Date();
      return (await store.items.handleNew(notice.id, (item) => receive(item, notice, now))).written;
    },
    upgrades: { 'inbox-unread': store.upgradeUnread, 'inbox-version': store.upgradeVersion },
  };
}
