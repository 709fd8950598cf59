import type { DossierReference, EventEnvelope } from '@aap/contracts';
import type { NewDelivery } from '../deliveries';
import type { OrganisationEntry } from '../directory';
import type { Notice } from '../inbox';
import { renderMessage, type DossierRef, type MessageModel, type ReviewerMessageModel } from '../templates/template';
import type { Route } from './routing';
import type { ReviewerRoute } from './reviewer-routing';

/**
 * What an event tells its recipients: pure, from the event and what the handler read of this
 * service's own copies (directory, preferences). The handlers record the result, each record keyed
 * by the event id so that the same event seen again records nothing.
 */

/** An organisation concerned by an event, with the dossiers the message is about. */
export interface Recipient {
  organisation: Pick<OrganisationEntry, '_id' | 'name' | 'contacts'>;
  callId: string;
  dossiers: Array<{ _id: string; number?: string; title?: string }>;
}

/** What an organisation is told of an event: one inbox notice, and one e-mail per distinct contact address (none when e-mails of the category are off). */
export interface Told {
  notice: Notice;
  emails: NewDelivery[];
  /** The dossier of a dossier event (its webhooks deliveries name it). */
  dossierId?: string;
}

export interface Telling {
  callTitle?: string;
  publicAppUrl: string;
  emailEnabled: boolean;
}

export function tell(route: Route, event: EventEnvelope, recipient: Recipient, telling: Telling): Told {
  const { organisation } = recipient;
  const dossiers: DossierRef[] = recipient.dossiers.map((d) => ({
    dossierId: d._id,
    ...(d.number ? { number: d.number } : {}),
    ...(d.title ? { title: d.title } : {}),
    link: `${telling.publicAppUrl}/dossiers/${encodeURIComponent(d._id)}`,
  }));
  const model: MessageModel<unknown> = {
    data: event.data,
    occurredAt: event.time,
    organisation: { organisationId: organisation._id, name: organisation.name },
    call: { callId: recipient.callId, ...(telling.callTitle ? { title: telling.callTitle } : {}) },
    dossiers,
  };
  const message = renderMessage(route.template, model);
  const single = route.audience === 'dossier' ? dossiers[0] : undefined;
  const notice: Notice = {
    id: `${event.id}:${organisation._id}`,
    organisationId: organisation._id,
    eventId: event.id,
    eventType: event.type,
    category: route.category,
    ...(single ? { dossierId: single.dossierId, link: single.link, ...(single.number ? { dossierNumber: single.number } : {}) } : {}),
    subject: message.subject,
    body: message.text,
    occurredAt: new Date(event.time),
  };
  const addresses = new Map<string, { name: string; email: string }>();
  for (const contact of telling.emailEnabled ? organisation.contacts : []) {
    const address = contact.email.trim().toLowerCase();
    if (!addresses.has(address)) addresses.set(address, contact);
  }
  const emails = [...addresses].map(([address, contact]): NewDelivery => ({
    // One e-mail per event, organisation and recipient (a contact of two organisations told about
    // one call gets each organisation's message).
    id: `${event.id}:${organisation._id}:${address}`,
    channel: 'email',
    eventId: event.id,
    eventType: event.type,
    organisationId: organisation._id,
    ...(single ? { dossierId: single.dossierId } : {}),
    email: { to: { name: contact.name, address: contact.email.trim() }, subject: message.subject, text: message.text, html: message.html, category: route.category },
  }));
  return { notice, emails, ...(single ? { dossierId: single.dossierId } : {}) };
}

/** The dossier an evaluation event is about, as its reference names it. */
export type ReviewedDossier = Pick<DossierReference, 'dossierId' | 'number' | 'callId'>;

/** One e-mail per reviewer a reviewer-facing event names, keyed by event and reviewer. Nothing else: no inbox, no organisation, no webhook. */
export function tellReviewers(route: ReviewerRoute, event: EventEnvelope, dossier: ReviewedDossier, telling: Omit<Telling, 'emailEnabled'>): NewDelivery[] {
  const { dossierId, number, callId } = dossier;
  return route.recipients(event.data).map((recipient) => {
    const model: ReviewerMessageModel<unknown> = {
      data: recipient.data,
      occurredAt: event.time,
      reviewer: { reviewerId: recipient.reviewerId, name: recipient.name },
      call: { callId, ...(telling.callTitle ? { title: telling.callTitle } : {}) },
      // The dossier's evaluation sheet in the back office, where a conflict is declared too.
      dossier: { dossierId, number, link: `${telling.publicAppUrl}/evaluations/${encodeURIComponent(dossierId)}` },
    };
    const message = renderMessage(route.template, model);
    return {
      id: `${event.id}:reviewer:${recipient.reviewerId}`,
      channel: 'email',
      eventId: event.id,
      eventType: event.type,
      dossierId,
      email: { to: { name: recipient.name, address: recipient.email.trim() }, subject: message.subject, text: message.text, html: message.html, category: 'evaluation' },
    };
  });
}
