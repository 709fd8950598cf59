import type { DossierEventReference, DossierSnapshot, EventEnvelope } from '@aap/contracts';
import type { Logger } from '@aap/observability';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { NotificationSettings } from '../config';
import type { DeliveryQueue } from '../deliveries/deliveries';
import type { Directory, DossierEntry, OrganisationEntry } from '../directory/directory';
import type { Inbox } from '../inbox/inbox';
import type { Preferences } from '../preferences/preferences';
import { renderMessage, type DossierRef, type MessageModel } from '../templates/template';
import type { Webhooks } from '../webhooks/webhooks';
import { ROUTES, type Route } from './routing';

/**
 * Turns each applicant-facing event into, per organisation concerned: one inbox item, one e-mail
 * delivery per contact (unless the organisation turned the category off) and one delivery per
 * webhook of that organisation subscribed to the event. Everything is RECORDED here, keyed by event
 * id (a redelivered event is a duplicate-key no-op); the delivery queue sends.
 *
 * A dossier event names its organisation (the dossier reference every dossier.* event carries). Its
 * contacts come from this service's directory, or from the applicant snapshot a submission carries.
 * When neither is known yet (an organisation.* event still on its way), the handler fails: the
 * consumer retries it in the background, parked behind its key without holding its partition, and
 * dead-letters it with the reason after its last attempt (listed by `npm run dlq`).
 */
interface Recipient {
  organisation: OrganisationEntry;
  callId: string;
  dossiers: Array<Pick<DossierEntry, '_id' | 'number' | 'title'>>;
}

export interface NotificationDependencies {
  directory: Directory;
  calls: CallCopies;
  inbox: Inbox;
  preferences: Preferences;
  deliveries: DeliveryQueue;
  webhooks: Webhooks;
  settings: NotificationSettings;
}

/** The organisation of a dossier event is not known to this service yet: retried, never guessed. */
export class RecipientUnknownError extends Error {
  override name = 'RecipientUnknownError';
}

export function registerNotifications(context: ServiceContext, deps: NotificationDependencies): void {
  const logger = context.logger.child({ slice: 'notifications' });
  for (const route of ROUTES) {
    context.consumer.on(route.event, async (event) => {
      for (const recipient of await recipientsOf(deps.directory, route, event)) await deliverTo(deps, route, event, recipient, logger);
    });
  }
}

async function recipientsOf(directory: Directory, route: Route, event: EventEnvelope): Promise<Recipient[]> {
  if (route.audience === 'dossier') {
    const reference = event.data as DossierEventReference;
    const snapshot = (event.data as { dossier?: DossierSnapshot }).dossier;
    const [known, organisation] = await Promise.all([directory.dossier(reference.dossierId), directory.organisation(reference.organisationId)]);
    const addressee = organisation ?? (snapshot && { _id: snapshot.applicant.organisationId, ...snapshot.applicant, asOf: new Date(0) });
    if (!addressee) throw new RecipientUnknownError(`organisation ${reference.organisationId} of dossier ${reference.dossierId} is not known yet (no organisation.registered seen)`);
    const title = snapshot?.project.title ?? known?.title ?? (event.data as { title?: string }).title;
    const dossier = { _id: reference.dossierId, ...(reference.number ? { number: reference.number } : {}), ...(title ? { title } : {}) };
    return [{ organisation: addressee, callId: reference.callId, dossiers: [dossier] }];
  }
  // A call event reaches the organisations with a draft or an active dossier on the call, as this
  // service knows them when the event is handled (drafts are known from their reminders).
  const callId = (event.data as { call: { callId: string } }).call.callId;
  const byOrganisation = new Map<string, DossierEntry[]>();
  for (const dossier of await directory.openDossiersOn(callId)) {
    byOrganisation.set(dossier.organisationId!, [...(byOrganisation.get(dossier.organisationId!) ?? []), dossier]);
  }
  const recipients: Recipient[] = [];
  for (const [organisationId, dossiers] of byOrganisation) {
    const organisation = await directory.organisation(organisationId);
    if (organisation) recipients.push({ organisation, callId, dossiers });
  }
  return recipients;
}

async function deliverTo(deps: NotificationDependencies, route: Route, event: EventEnvelope, recipient: Recipient, logger: Logger): Promise<void> {
  const { organisation } = recipient;
  const call = await deps.calls.get(recipient.callId);
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
