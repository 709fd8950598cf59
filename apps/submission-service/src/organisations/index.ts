import type { ApplicantSnapshot } from '@aap/contracts';
import { forgettingOnWrite, localCopies, type ServiceContext } from '@aap/service-runtime';
import { snapshotOf } from './organisation';
import { organisationStore } from './organisation.store';
import { registerOrganisationRoutes } from './organisation.routes';

/** What other slices of the submission service read of an organisation (e.g. a dossier's applicant). */
export interface OrganisationRepository {
  get(organisationId: string): Promise<ApplicantSnapshot | null>;
}

/**
 * How long another instance's change of an organisation may go unseen by this one's `get` (a change made
 * here is seen at once). Why no rule breaks by it: an organisation is never removed, so "registered" never
 * turns false; a draft's applicant is only what it shows until the submit, which records the applicant it
 * was checked against, and a change (kind, territory, contacts) of the last second may be missed by a
 * submit as by one that reached the store just before it.
 */
export const ORGANISATION_COPY_FRESH_MS = 1_000;

/** Organisations (applicants): registration checked against the official geography, contacts. */
export function registerOrganisations(context: ServiceContext): OrganisationRepository {
  const stored = organisationStore(context);
  // What the dossiers read of an organisation on every create and submit: this process's copy, dropped by every write made here.
  const copies = localCopies(
    async (organisationId) => {
      const found = await stored.get(organisationId);
      return found ? snapshotOf(found) : null;
    },
    { freshMs: ORGANISATION_COPY_FRESH_MS, max: 10_000 },
  );
  registerOrganisationRoutes(context, { ...stored, commands: forgettingOnWrite(stored.commands, copies) });
  return { get: (organisationId) => copies.get(organisationId) };
}
