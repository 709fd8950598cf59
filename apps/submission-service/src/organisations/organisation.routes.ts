import { z } from 'zod';
import { applicantKind, applicantSnapshot, isoDateTime, organisationId, SIREN, SIRET } from '@aap/contracts';
import { applicantScope, callerOf, conflict, forbidden, notFound, paginated, paginationQuery, policies, ROLE_SETS, sortQuery } from '@aap/http';
import { acceptedOrThrow, concurrentChange, type ServiceContext } from '@aap/service-runtime';
import { registerOrganisation, replaceContacts, snapshotOf } from './organisation';
import type { OrganisationStore, StoredOrganisation } from './organisation.store';
import { contactsInput, registrationInput } from './registration';

const organisationView = applicantSnapshot.extend({
  siren: SIREN,
  siret: SIRET.optional(),
  legalForm: z.string().optional(),
  rna: z.string().optional(),
  registeredAt: isoDateTime,
  updatedAt: isoDateTime,
});

const organisationParams = z.object({ organisationId });

const listQuery = paginationQuery.extend({
  kind: applicantKind.optional(),
  departement: z.string().max(3).optional().describe('a département code: organisations whose territory includes it'),
  region: z.string().max(3).optional().describe('a région code: organisations whose territory includes it'),
  sort: sortQuery(['name', 'registeredAt'], 'name'),
});

function viewOf({ organisation, registeredAt, updatedAt }: StoredOrganisation) {
  return {
    ...snapshotOf(organisation),
    siren: organisation.siren,
    ...(organisation.siret ? { siret: organisation.siret } : {}),
    ...(organisation.legalForm ? { legalForm: organisation.legalForm } : {}),
    ...(organisation.rna ? { rna: organisation.rna } : {}),
    registeredAt: registeredAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}

export function registerOrganisationRoutes(context: ServiceContext, store: OrganisationStore): void {
  const tags = ['organisations'];

  /** The organisation, if the caller may see it: an applicant only its own, another answers 404. */
  async function visibleOrganisation(caller: ReturnType<typeof callerOf>, id: string): Promise<StoredOrganisation> {
    policies.ownOrganisation(caller, id, `Organisation ${id}`);
    const found = await store.get(id);
    if (!found) throw notFound(`Organisation ${id}`);
    return found;
  }

  context.http.post(
    '/organisations',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins } },
      schema: {
        tags,
        summary: 'Register an applicant organisation (collectivité by SIREN, tiers-lieu by SIRET)',
        description:
          'Name, kind and territory of a collectivité come from the official geography (@etalab/decoupage-administratif). ' +
          'An applicant registers only the organisation its token names. 422 lists every failing rule.',
        body: registrationInput,
        response: { 201: organisationView },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const body = request.body;
      const id = 'siren' in body ? body.siren : body.siret;
      // Only an oversight role (here: admin) registers for another; a token that is also a reviewer's does not.
      if (applicantScope(caller) !== undefined && caller.organisation !== id) {
        throw forbidden(`your token is for organisation ${caller.organisation}: an applicant can only register its own organisation, not ${id}`);
      }
      const { state: organisation, events } = acceptedOrThrow(registerOrganisation(body), 'organisation');
      if ((await store.insert(organisation, context.events(events), caller.userId)) === 'exists') {
        throw conflict(`organisation ${id} is already registered`);
      }
      const registered = (await store.get(id))!;
      return reply.status(201).header('location', `/organisations/${id}`).send(viewOf(registered));
    },
  );

  context.http.get(
    '/organisations/:organisationId',
    {
      // Not reviewers: they see an applicant only in the dossiers assigned to them.
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: { tags, summary: 'An applicant organisation (an applicant reads only its own)', params: organisationParams, response: { 200: organisationView } },
    },
    async (request) => viewOf(await visibleOrganisation(callerOf(request), request.params.organisationId)),
  );

  context.http.get(
    '/organisations',
    {
      // An applicant may call it too, and gets a list of only its own organisation (0 or 1 item);
      // reviewers reach organisations only through the dossiers they review.
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: { tags, summary: 'Registered organisations, filtered by kind, département or région', querystring: listQuery, response: { 200: paginated(organisationView) } },
    },
    async (request) => {
      const scope = policies.organisationFilter(callerOf(request), 'organisationId');
      const page = await store.list({ ...request.query, ...scope });
      return { ...page, items: page.items.map(viewOf) };
    },
  );

  context.http.patch(
    '/organisations/:organisationId/contacts',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins } },
      schema: {
        tags,
        summary: "Replace an organisation's contacts (its own applicant, or an admin)",
        params: organisationParams,
        body: z.object({ contacts: contactsInput }),
        response: { 200: organisationView },
      },
    },
    async (request) => {
      const id = request.params.organisationId;
      const current = await visibleOrganisation(callerOf(request), id);
      const { state: next, events } = acceptedOrThrow(replaceContacts(current.organisation, request.body.contacts), 'organisation');
      // Guarded by version: of two concurrent replacements, the later write cannot carry an event built from older state.
      if (!(await store.record(current.organisation, next, context.events(events)))) throw concurrentChange(`organisation ${id}`, current.organisation.version);
      return viewOf((await store.get(id))!);
    },
  );
}
