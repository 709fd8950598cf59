import { z } from 'zod';
import { defineEvent } from '../catalogue';
import { applicantSnapshot } from '../vocabulary';

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
