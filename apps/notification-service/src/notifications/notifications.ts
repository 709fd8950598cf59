import { Schema, type Model } from 'mongoose';
import type { EventEnvelope } from '@aap/contracts';
import type { Logger } from '@aap/observability';
import type { ServiceContext } from '@aap/service-runtime';
import type { NotificationSettings } from '../config';
import type { DeliveryQueue } from '../deliveries/deliveries';
import type { Directory, DossierEntry, OrganisationEntry } from '../directory/directory';
import { isDuplicateKey, type EventRouter } from '../events';
import type { Inbox } from '../inbox/inbox';
import type { Preferences } from '../preferences/preferences';
import { renderMessage, type DossierRef, type MessageModel } from '../templates/template';
import type { Webhooks } from '../webhooks/webhooks';
import { callIdOf, dossierIdOf, ROUTES, routeOf, type Route } from './routing';

/**
 * Turns each applicant-facing event into, per organisation concerned: one inbox item, one e-mail
 * delivery per contact (unless the organisation turned the category off) and one delivery per
 * webhook of that organisation subscribed to the event. Everything is RECORDED here, keyed by event
 * id (a redelivered event is a duplicate-key no-op); the delivery queue sends.
 *
 * Events of different topics arrive in any order: an evaluation event may come before the
 * dossier.submitted that tells which organisation owns the dossier, or a draft reminder before the
 * organisation.registered that gives its contacts. Such an event is PARKED (kept with what it waits
 * for) and a scheduled job routes it as soon as the directory knows enough.
 */
interface Recipient {
  organisation: OrganisationEntry;
  callId: string;
  dossiers: DossierEntry[];
}

type Resolution = { recipients: Recipient[] } | { waitingFor: string };

interface ParkedEvent {
  _id: string;
  type: string;
  envelope: EventEnvelope;
  waitingFor: string;
  parkedAt: Date;
  tries: number;
  lastTriedAt?: Date;
}

export interface NotificationDependencies {
  directory: Directory;
  inbox: Inbox;
  preferences: Preferences;
  deliveries: DeliveryQueue;
  webhooks: Webhooks;
  settings: NotificationSettings;
}

export function registerNotifications(context: ServiceContext, events: EventRouter, deps: NotificationDependencies): void {
  const logger = context.logger.child({ slice: 'notifications' });
  const parked = context.db.model<ParkedEvent>(
    'ParkedNotification',
    new Schema<ParkedEvent>(
      { _id: String, type: String, envelope: Schema.Types.Mixed, waitingFor: String, parkedAt: Date, tries: Number, lastTriedAt: Date },
      { collection: 'notifications_parked', versionKey: false },
    ),
  );

  /** Records the notifications of an event; what it still waits for when the directory cannot route it yet. */
  const notify = async (event: EventEnvelope, route: Route): Promise<string | undefined> => {
    const resolution = await resolve(deps.directory, route, event);
    if ('waitingFor' in resolution) return resolution.waitingFor;
    for (const recipient of resolution.recipients) await deliverTo(deps, route, event, recipient, logger);
    return undefined;
  };

  for (const route of ROUTES) {
    events.on(route.event, async (event, { logger: eventLogger }) => {
      const waitingFor = await notify(event, route);
      if (!waitingFor) return;
      eventLogger.info({ waitingFor }, 'notification parked until the directory knows its recipient');
      try {
        await parked.create({ _id: event.id, type: event.type, envelope: event, waitingFor, parkedAt: new Date(), tries: 0 });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    });
  }

  context.schedule('notifications.route-parked', async (now) => {
    const waiting = await parked.find({}).sort({ parkedAt: 1 }).limit(200).lean<ParkedEvent[]>();
    for (const entry of waiting) {
      const route = routeOf(entry.type);
      if (!route || !(await notify(entry.envelope, route))) {
        await parked.deleteOne({ _id: entry._id });
        if (route) logger.info({ eventId: entry._id, eventType: entry.type }, 'parked notification routed');
      } else {
        await parked.updateOne({ _id: entry._id }, { $inc: { tries: 1 }, $set: { lastTriedAt: now } });
      }
    }
  });
}

async function resolve(directory: Directory, route: Route, event: EventEnvelope): Promise<Resolution> {
  if (route.audience === 'dossier') {
    const dossierId = dossierIdOf(event.data);
    if (!dossierId) return { recipients: [] };
    const dossier = await directory.dossier(dossierId);
    if (!dossier?.organisationId) return { waitingFor: `dossier ${dossierId}` };
    const organisation = await directory.organisation(dossier.organisationId);
    if (!organisation) return { waitingFor: `organisation ${dossier.organisationId}` };
    return { recipients: [{ organisation, callId: dossier.callId, dossiers: [dossier] }] };
  }
  // A call event reaches the organisations with a draft or an active dossier on the call, as this
  // service knows them when the event is handled (drafts are known from their reminders).
  const callId = callIdOf(event.data)!;
  const byOrganisation = new Map<string, DossierEntry[]>();
  for (const dossier of await directory.openDossiersOn(callId)) {
    byOrganisation.set(dossier.organisationId!, [...(byOrganisation.get(dossier.organisationId!) ?? []), dossier]);
  }
  const recipients: Recipient[] = [];
  for (const [organisationId, dossiers] of byOrganisation) {
    const organisation = await directory.organisation(organisationId);
    if (organisation) recipients.push({ organisation, callId, dossiers });
  }
  return { recipients };
}

async function deliverTo(deps: NotificationDependencies, route: Route, event: EventEnvelope, recipient: Recipient, logger: Logger): Promise<void> {
  const { organisation } = recipient;
  const call = await deps.directory.call(recipient.callId);
  const dossiers: DossierRef[] = recipient.dossiers.map((d) => ({
    dossierId: d._id,
    ...(d.number ? { number: d.number } : {}),
    ...(d.title ? { title: d.title } : {}),
    link: `${deps.settings.PUBLIC_APP_URL}/dossiers/${encodeURIComponent(d._id)}`,
  }));
  const model: MessageModel<unknown> = {
    data: event.data,
    occurredAt: event.time,
    organisation: { organisationId: organisation._id, name: organisation.name },
    call: { callId: recipient.callId, ...(call?.title ? { title: call.title } : {}) },
    dossiers,
  };
  const message = renderMessage(route.template, model);
  const single = route.audience === 'dossier' ? dossiers[0] : undefined;

  await deps.inbox.record({
    _id: `${event.id}:${organisation._id}`,
    organisationId: organisation._id,
    eventId: event.id,
    eventType: event.type,
    category: route.category,
    ...(single ? { dossierId: single.dossierId, link: single.link, ...(single.number ? { dossierNumber: single.number } : {}) } : {}),
    subject: message.subject,
    body: message.text,
    occurredAt: new Date(event.time),
  });

  if (await deps.preferences.emailEnabled(organisation._id, route.category)) {
    const seen = new Set<string>();
    for (const contact of organisation.contacts) {
      const address = contact.email.trim().toLowerCase();
      if (seen.has(address)) continue;
      seen.add(address);
      await deps.deliveries.enqueue({
        // One e-mail per event, organisation and recipient (a contact of two organisations told
        // about one call gets each organisation's message).
        _id: `${event.id}:${organisation._id}:${address}`,
        channel: 'email',
        eventId: event.id,
        eventType: event.type,
        organisationId: organisation._id,
        ...(single ? { dossierId: single.dossierId } : {}),
        email: { to: { name: contact.name, address: contact.email.trim() }, subject: message.subject, text: message.text, html: message.html, category: route.category },
      });
    }
    if (seen.size === 0) logger.warn({ organisationId: organisation._id, eventId: event.id }, 'organisation without contacts: inbox only');
  }

  await deps.webhooks.enqueueFor(event, organisation._id, single?.dossierId);
}
