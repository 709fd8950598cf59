import type { DossierEventReference, DossierSnapshot, EventEnvelope } from '@aap/contracts';
import type { Logger } from '@aap/observability';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { NotificationSettings } from '../config';
import type { DeliveriesPort } from '../deliveries';
import type { Directory, DossierEntry } from '../directory';
import type { InboxPort } from '../inbox';
import type { PreferencesPort } from '../preferences';
import type { WebhooksPort } from '../webhooks';
import { tell, type Recipient } from './notification';
import { ROUTES, type Route } from './routing';

/**
 * Turns each applicant-facing event into, per organisation concerned: one inbox item, one e-mail
 * delivery per contact (unless the organisation turned the category off) and one delivery per
 * webhook of that organisation subscribed to the event. Read (directory, preferences) → decide
 * (`tell`, pure) → record, each record keyed by the event id (the same event seen again records
 * nothing); the delivery queue sends.
 *
 * A dossier event names its organisation (the dossier reference every dossier.* event carries). Its
 * contacts come from this service's directory, kept from the organisation.* events (no dossier event
 * carries them). When it is not known yet (an organisation.* event still on its way), the handler fails: the
 * consumer retries it in the background, parked behind its key without holding its partition, and
 * dead-letters it with the reason after its last attempt (listed by `npm run dlq`).
 */
export interface NotificationDependencies {
  directory: Directory;
  calls: CallCopies;
  inbox: InboxPort;
  preferences: PreferencesPort;
  deliveries: DeliveriesPort;
  webhooks: WebhooksPort;
  settings: NotificationSettings;
}

/** The organisation of a dossier event is not known to this service yet: retried, never guessed. */
export class RecipientUnknownError extends Error {
  override name = 'RecipientUnknownError';
}

export function notificationHandlers(context: ServiceContext, deps: NotificationDependencies): void {
  const logger = context.logger.child({ slice: 'notifications' });
  for (const route of ROUTES) {
    context.consumer.on(route.event, async (event) => {
      // A dossier event names its call and organisation: what `notify` reads of them is read alongside the directory.
      const reference = route.audience === 'dossier' ? (event.data as DossierEventReference) : undefined;
      const early = reference ? contextOf(deps, route, reference.callId, reference.organisationId) : undefined;
      early?.catch(() => undefined); // awaited below, or not needed (the recipient is unknown: the handler fails anyway)
      for (const recipient of await recipientsOf(deps.directory, route, event)) {
        await notify(deps, route, event, recipient, logger, early ?? contextOf(deps, route, recipient.callId, recipient.organisation._id));
      }
    });
  }
}

async function recipientsOf(directory: Directory, route: Route, event: EventEnvelope): Promise<Recipient[]> {
  if (route.audience === 'dossier') {
    const reference = event.data as DossierEventReference;
    const snapshot = (event.data as { dossier?: DossierSnapshot }).dossier;
    const [known, addressee] = await Promise.all([directory.dossier(reference.dossierId), directory.organisation(reference.organisationId)]);
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

/** The call's copy and whether the organisation takes e-mails of the route's category. */
function contextOf(deps: NotificationDependencies, route: Route, callId: string, organisationId: string) {
  return Promise.all([deps.calls.get(callId), deps.preferences.emailEnabled(organisationId, route.category)]);
}

async function notify(
  deps: NotificationDependencies,
  route: Route,
  event: EventEnvelope,
  recipient: Recipient,
  logger: Logger,
  context: ReturnType<typeof contextOf>,
): Promise<void> {
  const organisationId = recipient.organisation._id;
  const [call, emailEnabled] = await context;
  const told = tell(route, event, recipient, { ...(call?.title ? { callTitle: call.title } : {}), publicAppUrl: deps.settings.PUBLIC_APP_URL, emailEnabled });
  if (emailEnabled && told.emails.length === 0) logger.warn({ organisationId, eventId: event.id }, 'organisation without contacts: inbox only');
  // Independent records, each keyed by the event (a retry records only what is missing): side by side.
  await Promise.all([
    deps.inbox.receive(told.notice),
    ...told.emails.map((email) => deps.deliveries.enqueue(email)),
    deps.webhooks.enqueueFor(event, organisationId, told.dossierId),
  ]);
}
