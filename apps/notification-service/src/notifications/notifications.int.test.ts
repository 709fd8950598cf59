import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CallExtended,
  CallPublished,
  catalogue,
  deadLetterTopicName,
  DossierDraftClosingSoon,
  DossierSubmitted,
  DossierWithdrawn,
  OrganisationContactsUpdated,
  OrganisationRegistered,
  type EventDefinition,
} from '@aap/contracts';
import type { RunningService } from '@aap/service-runtime';
import { authHeaders, eventPublisher, eventually, readTopic, useTestEnvironment } from '@aap/test-harness';
import { createNotificationService } from '../service';
import { applicant, callSnapshot, dossierSnapshot, routedEventData, submittedData } from '../testing/fixtures';
import { copiesOnTopic, handled, settledDeliveries } from '../testing/known-points';
import { startMailCatcher, type CaughtMail } from '../testing/mail-catcher';

const env = useTestEnvironment();

/** Every applicant-facing event of one dossier's life, in the order of its story. */
const DOSSIER_STORY = [
  'dossier.draft-closing-soon.v2',
  'dossier.submitted.v2',
  'dossier.review-started.v2',
  'dossier.complement-requested.v2',
  'dossier.resubmitted.v2',
  'dossier.waitlisted.v2',
  'dossier.decision-reopened.v2',
  'dossier.accepted.v3',
  'dossier.rejected.v2',
  'dossier.closed-without-follow-up.v2',
  'dossier.withdrawn.v1',
] as const;
const CALL_STORY = ['call.extended.v1', 'call.closed.v1', 'call.reopened.v1'] as const;

/** What the subject of each message must say. */
const SUBJECTS: Record<(typeof DOSSIER_STORY)[number] | (typeof CALL_STORY)[number], RegExp> = {
  'dossier.draft-closing-soon.v2': /^Rappel : plus que 3 jours pour déposer votre dossier « Tiers-lieu de la gare »$/,
  'dossier.submitted.v2': /^Accusé de réception — dossier AAP-2026-000101$/,
  'dossier.review-started.v2': /^Votre dossier est en instruction — dossier AAP-2026-000101$/,
  'dossier.complement-requested.v2': /^Demande de compléments — dossier AAP-2026-000101$/,
  'dossier.resubmitted.v2': /^Compléments reçus — dossier AAP-2026-000101$/,
  'dossier.waitlisted.v2': /^Votre dossier est sur liste complémentaire — dossier AAP-2026-000101$/,
  'dossier.decision-reopened.v2': /^Réexamen de votre dossier — dossier AAP-2026-000101$/,
  'dossier.accepted.v3': /^Votre dossier est retenu — dossier AAP-2026-000101$/,
  'dossier.rejected.v2': /^Décision sur votre dossier — dossier AAP-2026-000101$/,
  'dossier.closed-without-follow-up.v2': /^Votre dossier est classé sans suite — dossier AAP-2026-000101$/,
  'dossier.withdrawn.v1': /^Retrait de votre dossier — dossier AAP-2026-000101$/,
  'call.extended.v1': /^Prolongation de l'appel à projets « Fabriques de territoire 2026 »$/,
  'call.closed.v1': /^Clôture de l'appel à projets « Fabriques de territoire 2026 »$/,
  'call.reopened.v1': /^Réouverture de l'appel à projets « Fabriques de territoire 2026 »$/,
};

const eventTypeOf = (mail: CaughtMail) => String(mail.headers['x-aap-event-type'] ?? '');

describe('notifications: every applicant-facing event reaches the organisation once, by e-mail and in its inbox', () => {
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  let notification: RunningService;
  const orgA = applicant('216901231'); // the dossier whose whole story is told
  const orgB = applicant('200046977', { name: 'Communauté de communes du Bugey' }); // an open dossier on the call
  const orgC = applicant('217500016', { name: 'Commune de Paris-Test' }); // e-mail preferences off for reminders
  const callId = 'call-notif-1';

  const get = async (path: string, claims: Parameters<typeof authHeaders>[0]) =>
    fetch(`${notification.url}${path}`, { headers: await authHeaders(claims) });

  beforeAll(async () => {
    mail = await startMailCatcher();
    notification = await env.startService(
      createNotificationService({ SMTP_PORT: mail.port, PUBLIC_APP_URL: 'https://aap.example.fr', DELIVERY_RETRY_BASE_MS: 100, DELIVERY_RETRY_MAX_MS: 2_000 }),
    );
    publisher = await eventPublisher(env);
    await publisher.publish(CallPublished, { call: callSnapshot(callId) }, { time: '2026-01-05T09:00:00+01:00' });
    for (const organisation of [orgA, orgB, orgC]) await publisher.publish(OrganisationRegistered, { organisation }, { time: '2026-01-10T09:00:00+01:00' });
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await mail?.stop();
  });

  it('each routed event type produces the right e-mail, once per contact, with the dossier number and its link', async () => {
    const story = routedEventData({ dossierId: 'dossier-a', number: 'AAP-2026-000101', callId, organisation: orgA });
    // The whole story of dossier A, one hour apart, published in order on the submission and
    // evaluation topics (consumed concurrently: evaluation's may be handled before the submission
    // they follow; each names its organisation in its dossier reference).
    let hour = 0;
    for (const type of DOSSIER_STORY) {
      const definition = catalogue.get(type) as EventDefinition;
      await publisher.publish(definition, story[type] as never, { time: new Date(Date.UTC(2026, 2, 1, hour++)).toISOString() });
    }
    // Dossier B stays open on the call: its organisation hears about the call; A's (withdrawn by then) does not.
    await publisher.publish(DossierSubmitted, submittedData(dossierSnapshot('dossier-b', 'AAP-2026-000102', callId, orgB)), { time: '2026-03-02T08:00:00Z' });
    await eventually(async () => expect((await mail.mails()).filter((m) => m.to.includes(orgB.contacts[0]!.email))).toHaveLength(1));
    await eventually(async () => expect((await mail.mails()).filter((m) => eventTypeOf(m) === 'dossier.withdrawn.v1')).toHaveLength(2));
    for (const type of CALL_STORY) {
      const definition = catalogue.get(type) as EventDefinition;
      await publisher.publish(definition, routedEventData({ dossierId: 'dossier-b', number: 'AAP-2026-000102', callId, organisation: orgB })[type] as never, {
        time: new Date(Date.UTC(2026, 3, 1, hour++)).toISOString(),
      });
    }

    const contactsA = orgA.contacts.map((c) => c.email).sort();
    const contactsB = orgB.contacts.map((c) => c.email).sort();
    const expected = DOSSIER_STORY.length * 2 + 1 * 2 + CALL_STORY.length * 2; // + B's receipt
    await eventually(async () => expect((await mail.mails()).length).toBeGreaterThanOrEqual(expected), { timeoutMs: 30_000 });
    // Every e-mail recorded is settled (sent, logged once): none can be claimed, hence sent, again,
    // so the SMTP server's count is final.
    const emails = await settledDeliveries(env, { channel: 'email' });
    expect(emails).toHaveLength(expected);
    for (const email of emails) expect(email.log.filter((entry) => entry.outcome === 'sent'), email._id).toHaveLength(1);
    const mails = await mail.mails();
    expect(mails).toHaveLength(expected);

    const toA = (m: CaughtMail) => m.to.some((address) => contactsA.includes(address));
    for (const type of DOSSIER_STORY) {
      const ofType = mails.filter((m) => eventTypeOf(m) === type && toA(m));
      expect(ofType.flatMap((m) => m.to).sort(), type).toEqual(contactsA);
      for (const m of ofType) {
        expect(m.subject, type).toMatch(SUBJECTS[type]);
        expect(m.text).toContain('Commune 216901231');
        expect(m.text).toContain('https://aap.example.fr/dossiers/dossier-a');
        expect(m.html).toContain('href="https://aap.example.fr/dossiers/dossier-a"');
        if (type !== 'dossier.draft-closing-soon.v2') expect(m.text).toContain('AAP-2026-000101');
      }
    }
    for (const type of CALL_STORY) {
      const ofType = mails.filter((m) => eventTypeOf(m) === type);
      expect(ofType.flatMap((m) => m.to).sort(), type).toEqual(contactsB);
      for (const m of ofType) {
        expect(m.subject, type).toMatch(SUBJECTS[type]);
        expect(m.text).toContain('AAP-2026-000102');
        expect(m.text).toContain('https://aap.example.fr/dossiers/dossier-b');
      }
    }
    // The message quotes the motivation of the decision and keeps the reason of a reopening internal.
    expect(mails.find((m) => eventTypeOf(m) === 'dossier.accepted.v3')!.text).toContain('120 000,00 €');
    expect(mails.find((m) => eventTypeOf(m) === 'dossier.decision-reopened.v2')!.text).not.toContain('note interne');

    // One inbox item per event for A, newest first, whatever the number of contacts.
    const inbox = await get(`/organisations/${orgA.organisationId}/inbox?pageSize=100`, { roles: ['applicant'], org: orgA.organisationId });
    expect(inbox.status).toBe(200);
    const page = (await inbox.json()) as { total: number; items: Array<{ eventType: string; dossierNumber?: string; subject: string; read: boolean; link?: string }> };
    expect(page.total).toBe(DOSSIER_STORY.length);
    expect(page.items.map((i) => i.eventType)).toEqual([...DOSSIER_STORY].reverse());
    expect(page.items[0]).toMatchObject({ dossierNumber: 'AAP-2026-000101', read: false, link: 'https://aap.example.fr/dossiers/dossier-a' });
    // Every delivery was sent; nothing is left pending or failed.
    const deliveries = env.database('notification').collection('deliveries');
    await eventually(async () => expect(await deliveries.countDocuments({ channel: 'email', status: { $ne: 'sent' } })).toBe(0));
  });

  it('a redelivered event produces no second e-mail and no second inbox item, even when handled again', async () => {
    const organisation = applicant('213105554', { name: 'Commune de Toulouse-Test', contacts: [{ name: 'Léa', email: 'lea@toulouse-test.fr' }] });
    await publisher.publish(OrganisationRegistered, { organisation });
    const story = routedEventData({ dossierId: 'dossier-r', number: 'AAP-2026-000201', callId, organisation });
    const submitted = await publisher.publish(DossierSubmitted, story['dossier.submitted.v2']);
    await eventually(async () => expect((await mail.mails()).filter((m) => m.to.includes('lea@toulouse-test.fr'))).toHaveLength(1));

    // 1. Kafka delivers it again: the consumer's record of handled events skips it.
    await publisher.redeliver(submitted, DossierSubmitted);
    await copiesOnTopic(env, DossierSubmitted, submitted.id, 2);
    // 2. A crash after the effects but before the event was recorded as handled: the handler runs again.
    const processed = env.database('notification').collection('processed_events');
    await processed.deleteOne({ _id: submitted.id as never });
    await publisher.redeliver(submitted, DossierSubmitted);
    await copiesOnTopic(env, DossierSubmitted, submitted.id, 3); // the duplicates are really on the topic
    // 3. A later event of the same dossier (same key, same partition, after the duplicates): once it is
    // handled, so are they; once every delivery of the organisation is settled, nothing more is sent.
    const withdrawn = await publisher.publish(DossierWithdrawn, story['dossier.withdrawn.v1']);
    await handled(env, withdrawn.id);
    await handled(env, submitted.id);
    const deliveries = await settledDeliveries(env, { organisationId: organisation.organisationId });

    expect(deliveries.map((d) => d._id).sort()).toEqual([`${submitted.id}:${organisation.organisationId}:lea@toulouse-test.fr`, `${withdrawn.id}:${organisation.organisationId}:lea@toulouse-test.fr`].sort());
    await eventually(async () => expect((await mail.mails()).filter((m) => m.to.includes('lea@toulouse-test.fr')).map(eventTypeOf).sort()).toEqual(['dossier.submitted.v2', 'dossier.withdrawn.v1']));
    const inbox = await get(`/organisations/${organisation.organisationId}/inbox`, { roles: ['applicant'], org: organisation.organisationId });
    expect(((await inbox.json()) as { items: Array<{ eventType: string }> }).items.map((i) => i.eventType)).toEqual(['dossier.withdrawn.v1', 'dossier.submitted.v2']);
  });

  it('with e-mails off for a category, the organisation still gets the inbox item but no e-mail', async () => {
    const headers = await authHeaders({ roles: ['applicant'], org: orgC.organisationId });
    const defaults = await fetch(`${notification.url}/organisations/${orgC.organisationId}/preferences`, { headers });
    expect(await defaults.json()).toEqual({ organisationId: orgC.organisationId, email: { 'dossier-status': true, reminders: true, calls: true } });
    const put = await fetch(`${notification.url}/organisations/${orgC.organisationId}/preferences`, { method: 'PUT', headers, body: JSON.stringify({ email: { reminders: false } }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ email: { 'dossier-status': true, reminders: false, calls: true } });

    const reminder = routedEventData({ dossierId: 'dossier-c', number: 'AAP-2026-000301', callId, organisation: orgC })['dossier.draft-closing-soon.v2'];
    const reminderEvent = await publisher.publish(DossierDraftClosingSoon, reminder, { time: '2026-03-20T08:00:00Z' });
    await publisher.publish(DossierSubmitted, submittedData(dossierSnapshot('dossier-c', 'AAP-2026-000301', callId, orgC)), { time: '2026-03-21T08:00:00Z' });

    // The receipt (dossier-status, still on) arrives; the reminder never does. The reminder came
    // before the receipt on the same key: once the receipt is handled and its e-mails settled, the
    // reminder was handled too, and recorded no e-mail.
    await eventually(async () => expect((await mail.mails()).filter((m) => m.to.includes(orgC.contacts[0]!.email))).toHaveLength(1));
    await handled(env, reminderEvent.id);
    const deliveries = await settledDeliveries(env, { organisationId: orgC.organisationId });
    expect(deliveries.map((d) => d._id.split(':')[0])).not.toContain(reminderEvent.id);
    const toC = (await mail.mails()).filter((m) => orgC.contacts.some((c) => m.to.includes(c.email)));
    expect(toC.map(eventTypeOf)).toEqual(['dossier.submitted.v2', 'dossier.submitted.v2']);
    const inbox = await fetch(`${notification.url}/organisations/${orgC.organisationId}/inbox`, { headers });
    expect(((await inbox.json()) as { items: Array<{ eventType: string }> }).items.map((i) => i.eventType)).toEqual(['dossier.submitted.v2', 'dossier.draft-closing-soon.v2']);
    // Other organisations keep the default.
    expect(await (await get(`/organisations/${orgA.organisationId}/preferences`, { roles: ['admin'] })).json()).toMatchObject({ email: { reminders: true } });
  });

  it('follows contact changes: the new contacts get the next messages', async () => {
    const organisation = applicant('214400000', { contacts: [{ name: 'Ancien', email: 'ancien@nantes-test.fr' }] });
    await publisher.publish(OrganisationRegistered, { organisation }, { time: '2026-01-10T09:00:00Z' });
    await publisher.publish(OrganisationContactsUpdated, { organisation: { ...organisation, contacts: [{ name: 'Nouvelle', email: 'nouvelle@nantes-test.fr' }] } }, { time: '2026-02-10T09:00:00Z' });
    const directory = env.database('notification').collection('directory_organisations');
    await eventually(async () => expect(await directory.findOne({ _id: organisation.organisationId as never })).toMatchObject({ contacts: [{ email: 'nouvelle@nantes-test.fr' }] }));
    // A stale event seen again does not bring the old contacts back.
    await publisher.publish(OrganisationRegistered, { organisation }, { time: '2026-01-10T09:00:00Z' });
    await publisher.publish(DossierSubmitted, submittedData(dossierSnapshot('dossier-n', 'AAP-2026-000401', callId, organisation)));
    await eventually(async () => expect((await mail.mails()).filter((m) => m.to.includes('nouvelle@nantes-test.fr'))).toHaveLength(1));
    expect((await mail.mails()).filter((m) => m.to.includes('ancien@nantes-test.fr'))).toHaveLength(0);
  });

  it('an evaluation event handled before its dossier\'s submission is notified at once: its dossier reference names the organisation', async () => {
    const organisation = applicant('216900019', { contacts: [{ name: 'Lyon', email: 'contact@lyon-test.fr' }] });
    await publisher.publish(OrganisationRegistered, { organisation });
    const story = routedEventData({ dossierId: 'dossier-p', number: 'AAP-2026-000601', callId, organisation });
    await publisher.publish(catalogue.get('dossier.review-started.v2')!, story['dossier.review-started.v2'] as never, { time: '2026-03-05T08:00:00Z' });
    await eventually(async () =>
      expect((await mail.mails()).filter((m) => m.to.includes('contact@lyon-test.fr')).map((m) => [eventTypeOf(m), m.subject])).toEqual([
        ['dossier.review-started.v2', 'Votre dossier est en instruction — dossier AAP-2026-000601'],
      ]),
    );
  });

  it('an event whose organisation is unknown is retried aside, then dead-lettered with its reason, and never holds back later events', async () => {
    const stranger = applicant('217500001', { contacts: [{ name: 'Inconnue', email: 'contact@inconnue-test.fr' }] });
    const known = applicant('216900027', { contacts: [{ name: 'Connue', email: 'contact@connue-test.fr' }] });
    await publisher.publish(OrganisationRegistered, { organisation: known });
    const unknownStory = routedEventData({ dossierId: 'dossier-u', number: 'AAP-2026-000701', callId, organisation: stranger });
    const knownStory = routedEventData({ dossierId: 'dossier-k', number: 'AAP-2026-000702', callId, organisation: known });
    const orphan = await publisher.publish(catalogue.get('dossier.accepted.v3')!, unknownStory['dossier.accepted.v3'] as never);
    await publisher.publish(catalogue.get('dossier.accepted.v3')!, knownStory['dossier.accepted.v3'] as never);

    await eventually(async () => expect((await mail.mails()).filter((m) => m.to.includes('contact@connue-test.fr'))).toHaveLength(1));
    const deadLetters = await readTopic(env.kafka(), deadLetterTopicName(env.prefix, 'notification'), { atLeast: 1, timeoutMs: 30_000, settleMs: 200 });
    const deadLetter = deadLetters.find((m) => m.headers.ce_id === orphan.id);
    expect(deadLetter?.headers).toMatchObject({ dlq_reason: 'handler-failed' });
    expect(deadLetter?.headers.dlq_error).toContain('organisation 217500001 of dossier dossier-u is not known yet');
    // The dead letter copies the event and says why, nothing more: its value is the event's data, its other headers the event's.
    expect(JSON.parse(String(deadLetter!.value))).toEqual(orphan.data);
    const envelopeHeaders = new Set(['content-type', 'traceparent', 'tracestate']);
    expect(Object.keys(deadLetter!.headers).filter((name) => !name.startsWith('dlq_') && !name.startsWith('ce_') && !envelopeHeaders.has(name))).toEqual([]);
    expect((await mail.mails()).filter((m) => m.to.includes('contact@inconnue-test.fr'))).toHaveLength(0);
  });

  it('inbox: paginated, unread filter and count, mark as read; another organisation’s inbox answers 404', async () => {
    const org = orgA.organisationId;
    const asA = { roles: ['applicant' as const], org };
    const first = (await (await get(`/organisations/${org}/inbox?pageSize=4&page=1`, asA)).json()) as { items: Array<{ notificationId: string }>; total: number };
    const second = (await (await get(`/organisations/${org}/inbox?pageSize=4&page=2`, asA)).json()) as { items: Array<{ notificationId: string }> };
    expect(first.items).toHaveLength(4);
    expect(second.items).toHaveLength(4);
    expect(new Set([...first.items, ...second.items].map((i) => i.notificationId)).size).toBe(8);

    const target = first.items[0]!.notificationId;
    const read = await fetch(`${notification.url}/organisations/${org}/inbox/${encodeURIComponent(target)}/read`, { method: 'POST', headers: await authHeaders(asA) });
    expect(read.status).toBe(200);
    const reading = (await read.json()) as { readAt: string };
    expect(reading).toMatchObject({ notificationId: target, read: true });
    expect(await (await get(`/organisations/${org}/inbox/unread-count`, asA)).json()).toEqual({ organisationId: org, unread: first.total - 1 });
    const unread = (await (await get(`/organisations/${org}/inbox?unread=true&pageSize=100`, asA)).json()) as { items: Array<{ notificationId: string }> };
    expect(unread.items.map((i) => i.notificationId)).not.toContain(target);
    const readOnly = (await (await get(`/organisations/${org}/inbox?unread=false`, asA)).json()) as { items: Array<{ notificationId: string }> };
    expect(readOnly.items.map((i) => i.notificationId)).toEqual([target]);
    const firstReading = reading.readAt;

    // Read-all marks every other item, each once: again, it marks nothing; the first reading keeps its time.
    const readAll = async () => fetch(`${notification.url}/organisations/${org}/inbox/read-all`, { method: 'POST', headers: await authHeaders(asA) });
    const all = await readAll();
    expect(all.status).toBe(200);
    expect(await all.json()).toEqual({ organisationId: org, marked: first.total - 1 });
    expect(await (await get(`/organisations/${org}/inbox/unread-count`, asA)).json()).toEqual({ organisationId: org, unread: 0 });
    expect(await (await readAll()).json()).toEqual({ organisationId: org, marked: 0 });
    const everything = (await (await get(`/organisations/${org}/inbox?pageSize=100`, asA)).json()) as { items: Array<{ notificationId: string; read: boolean; readAt?: string }> };
    expect(everything.items.every((i) => i.read && i.readAt)).toBe(true);
    expect(everything.items.find((i) => i.notificationId === target)!.readAt).toBe(firstReading);

    // Another organisation's applicant: 404 (as if it did not exist) on the list, the count and the marking.
    const asB = { roles: ['applicant' as const], org: orgB.organisationId };
    expect((await get(`/organisations/${org}/inbox`, asB)).status).toBe(404);
    expect((await get(`/organisations/${org}/inbox/unread-count`, asB)).status).toBe(404);
    const foreign = await fetch(`${notification.url}/organisations/${org}/inbox/${encodeURIComponent(target)}/read`, { method: 'POST', headers: await authHeaders(asB) });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${notification.url}/organisations/${org}/inbox/read-all`, { method: 'POST', headers: await authHeaders(asB) })).status).toBe(404);
    expect((await get(`/organisations/${org}/preferences`, asB)).status).toBe(404);
    // An organisation's inbox belongs to no call's team: admins read it, other staff do not (403); nobody reads it without a token.
    expect((await get(`/organisations/${org}/inbox`, { roles: ['admin'] })).status).toBe(200);
    expect((await get(`/organisations/${org}/inbox`, { roles: ['programme-manager'] })).status).toBe(403);
    expect((await get(`/organisations/${org}/preferences`, { roles: ['programme-manager'] })).status).toBe(403);
    expect((await fetch(`${notification.url}/organisations/${org}/inbox`)).status).toBe(401);
  });

  it('a failing SMTP server blocks nothing: the inbox is written at once, the e-mail is retried and sent when the server is back', async () => {
    const port = mail.port;
    await mail.stop();
    const organisation = applicant('213300063', { contacts: [{ name: 'Bordeaux', email: 'contact@bordeaux-test.fr' }] });
    await publisher.publish(OrganisationRegistered, { organisation });
    const event = await publisher.publish(DossierSubmitted, submittedData(dossierSnapshot('dossier-s', 'AAP-2026-000501', callId, organisation)));
    const deliveries = env.database('notification').collection('deliveries');
    const id = `${event.id}:${organisation.organisationId}:contact@bordeaux-test.fr`;
    await eventually(async () => expect(await deliveries.findOne({ _id: id as never })).toMatchObject({ status: 'pending', attempts: 2, lastError: expect.stringContaining('SMTP') }));
    const inbox = await get(`/organisations/${organisation.organisationId}/inbox`, { roles: ['applicant'], org: organisation.organisationId });
    expect(((await inbox.json()) as { total: number }).total).toBe(1);
    // The consumer went on meanwhile: another organisation's event was handled.
    await publisher.publish(OrganisationRegistered, { organisation: applicant('213800185') });
    await eventually(async () => expect(await env.database('notification').collection('directory_organisations').countDocuments({ _id: '213800185' as never })).toBe(1));

    mail = await startMailCatcher(port);
    await eventually(async () => expect((await mail.mails()).filter((m) => m.to.includes('contact@bordeaux-test.fr'))).toHaveLength(1), { timeoutMs: 30_000 });
    const delivery = await eventually(async () => {
      const found = await deliveries.findOne({ _id: id as never });
      expect(found).toMatchObject({ status: 'sent' });
      return found;
    });
    expect((delivery!.log as Array<{ outcome: string }>).map((l) => l.outcome).slice(-1)).toEqual(['sent']);
    expect((delivery!.log as Array<{ outcome: string }>).filter((l) => l.outcome === 'failed').length).toBeGreaterThanOrEqual(2);
  });
});
