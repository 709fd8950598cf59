import { z } from 'zod';
import { defineEvent } from '../catalogue';
import { applicantSnapshot } from '../vocabulary';

/**
 * The organisation with its contacts (names, e-mail addresses): the one place they travel. Their
 * consumer is notification, which writes to the applicant and keeps them in its directory
 * (`apps/notification-service/src/directory`); dossier events carry the applicant without them.
 */
const organisation = (name: string, description: string) =>
  defineEvent({
    name: `organisation.${name}`,
    version: 1,
    producer: 'submission',
    aggregate: 'organisation',
    schema: z.object({ organisation: applicantSnapshot }),
    aggregateId: (data) => data.organisation.organisationId,
    description,
  });

export const OrganisationRegistered = organisation(
  'registered',
  'An applicant organisation (collectivité or tiers-lieu) was registered, its name and territory taken from the official geography.',
);
export const OrganisationContactsUpdated = organisation(
  'contacts-updated',
  "An organisation's contacts were replaced; the event carries the whole organisation with its new contacts.",
);

export const organisationEvents = [OrganisationRegistered, OrganisationContactsUpdated];
