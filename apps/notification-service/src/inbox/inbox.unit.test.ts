import { describe, it } from 'vitest';
import { decider, thenOf } from '@aap/test-harness/decider-spec';
import { read, receive, type InboxItem, type Notice } from './inbox';

const NOW = new Date('2026-04-02T10:00:00Z');
const notice: Notice = {
  id: 'event-1:216901231',
  organisationId: '216901231',
  eventId: 'event-1',
  eventType: 'dossier.submitted.v2',
  category: 'dossier-status',
  dossierId: 'dossier-a',
  dossierNumber: 'AAP-2026-000101',
  subject: 'Accusé de réception — dossier AAP-2026-000101',
  body: 'Bonjour…',
  occurredAt: new Date('2026-04-02T09:59:00Z'),
};
const unreadItem: InboxItem = { ...notice, version: 1, createdAt: NOW, unread: true };
const readItem: InboxItem = { ...unreadItem, version: 2, unread: false, readAt: new Date('2026-04-01T08:00:00Z'), readBy: 'first-reader' };

describe('an inbox item', () => {
  it('given no item, when an event’s notice is received, then it lands unread', () => {
    thenOf(receive(null, notice, NOW)).thenState({ id: notice.id, unread: true, createdAt: NOW, subject: notice.subject }).then();
  });

  it('given the item of that event, when its notice is received again, then nothing happens', () => {
    decider(receive).given(unreadItem).when(notice, NOW).thenNothingHappens();
  });

  it('given an unread item, when someone reads it, then it is read by them, now', () => {
    decider(read).given(unreadItem).when({ userId: 'reader-1' }, NOW).thenState({ unread: false, readAt: NOW, readBy: 'reader-1' }).then();
  });

  it('given a read item, when someone reads it again, then nothing happens: the first reading time and reader stay', () => {
    decider(read).given(readItem).when({ userId: 'reader-2' }, NOW).thenNothingHappens();
  });
});
