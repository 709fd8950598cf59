import type { ApplicantSnapshot } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import { organisationModel, recordOf, snapshotOf, type OrganisationDocument } from './model';
import { registerOrganisationRoutes } from './routes';

/** What other slices of the submission service read of an organisation (e.g. a dossier's applicant). */
export interface OrganisationRepository {
  get(organisationId: string): Promise<ApplicantSnapshot | null>;
}

/** Organisations (applicants): registration checked against the official geography, contacts. */
export function registerOrganisations(context: ServiceContext): OrganisationRepository {
  const Organisation = organisationModel(context);
  context.outbox.track(Organisation);
  registerOrganisationRoutes(context, Organisation);
  return {
    async get(organisationId) {
      const document = await Organisation.findById(organisationId).lean<OrganisationDocument>();
      return document ? snapshotOf(recordOf(document)) : null;
    },
  };
}
