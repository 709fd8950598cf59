import type { ApplicantSnapshot } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import { snapshotOf } from './organisation';
import { organisationStore } from './organisation.store';
import { registerOrganisationRoutes } from './organisation.routes';

/** What other slices of the submission service read of an organisation (e.g. a dossier's applicant). */
export interface OrganisationRepository {
  get(organisationId: string): Promise<ApplicantSnapshot | null>;
}

/** Organisations (applicants): registration checked against the official geography, contacts. */
export function registerOrganisations(context: ServiceContext): OrganisationRepository {
  const store = organisationStore(context);
  registerOrganisationRoutes(context, store);
  return {
    async get(organisationId) {
      const found = await store.get(organisationId);
      return found ? snapshotOf(found) : null;
    },
  };
}
