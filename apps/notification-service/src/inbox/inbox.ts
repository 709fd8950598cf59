import { accepted, type Decision, type Versioned } from '@aap/contracts';

/**
 * One notification in an organisation's in-app inbox: one per (event, organisation), id =
 * `${eventId}:${organisationId}`. Every notification lands here whatever the e-mail preferences.
 */
export interface InboxItem extends Versioned {
  id: string;
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
  /** True until read: the unread lists, count and read-all filter on it (an equality; `readAt` missing would be an `$exists`). */
  unread: boolean;
  readAt?: Date;
  readBy?: string;
}

/** What an event tells an organisation (the notifications slice decides it). */
export type Notice = Omit<InboxItem, 'version' | 'createdAt' | 'unread' | 'readAt' | 'readBy'>;

/** An event's notice lands once: the same event seen again (a redelivery, a handler run twice) changes nothing. */
export function receive(item: InboxItem | null, notice: Notice, now: Date): Decision<InboxItem> {
  if (item) return accepted(item);
  return accepted({ ...notice, version: 0, createdAt: now, unread: true });
}

/** Marks an item read; reading it again keeps the first reading time and reader. */
export function read(item: InboxItem, reader: { userId: string }, now: Date): Decision<InboxItem> {
  if (!item.unread) return accepted(item);
  return accepted({ ...item, unread: false, readAt: now, readBy: reader.userId });
}
