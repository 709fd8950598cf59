import { z } from 'zod';
import { accepted, applicantKind, applicantSnapshot, isoDateTime, organisationId, SIREN, SIRET } from '@aap/contracts';
import { callerOf, conflict, notFound, paginated, paginationQuery, policies, ROLE_SETS, sortQuery, type Caller, COMMAND_REFUSALS } from '@aap/http';
import { acceptedOrThrow, type ServiceContext } from '@aap/service-runtime';
import { registerOrganisation, replaceContacts, snapshotOf, type Organisation } from './organisation';
import type { OrganisationStore } from './organisation.store';
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

function viewOf(organisation: Organisation) {
  const { registeredAt, updatedAt } = organisation;
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
  async function visibleOrganisation(caller: Caller, id: string): Promise<Organisation> {
    policies.ownOrganisation(caller, id, `Organisation ${id}`);
    const found = await store.get(id);
    if (!found) throw notFound(`Organisation ${id}`);
    return found;
  }

  context.http.post(
    '/organisations',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'registerOrganisation',
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
      policies.ownOrganisation(caller, id, `Organisation ${id}`, 'register');
      // The registration's rules first (422); an organisation already registered then keeps what it has (nothing written: 409).
      const handled = await store.commands.handle(id, (existing) => {
        const decision = registerOrganisation(body, { by: caller.userId }, new Date());
        return existing && decision.outcome === 'accepted' ? accepted(existing) : decision;
      });
      acceptedOrThrow(handled.decision, 'organisation');
      if (!handled.written) throw conflict(`organisation ${id} is already registered`);
      return reply.status(201).header('location', `/organisations/${id}`).send(viewOf(handled.after!));
    },
  );

  context.http.get(
    '/organisations/:organisationId',
    {
      // Organisation-wide, so of no call's team (issue 16): staff see an applicant in the dossiers of their
      // calls (the dossier carries it), reviewers in the dossiers assigned to them; admins every one.
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins } },
      schema: { operationId: 'getOrganisation', tags, summary: 'An applicant organisation (an applicant reads only its own; staff: admins only)', params: organisationParams, response: { 200: organisationView } },
    },
    async (request) => viewOf(await visibleOrganisation(callerOf(request), request.params.organisationId)),
  );

  context.http.get(
    '/organisations',
    {
      // An applicant may call it too, and gets a list of only its own organisation (0 or 1 item); the
      // registry spans every call's applicants, so no call's team reads it whole: admins only (issue 16).
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins } },
      schema: { operationId: 'listOrganisations', tags, summary: 'Registered organisations, filtered by kind, département or région (an applicant: its own; staff: admins only)', querystring: listQuery, response: { 200: paginated(organisationView) } },
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
      config: { access: { roles: ROLE_SETS.applicantsAndAdmins }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'updateOrganisationContacts',
        tags,
        summary: "Replace an organisation's contacts (its own applicant, or an admin)",
        params: organisationParams,
        body: z.object({ contacts: contactsInput }),
        response: { 200: organisationView },
      },
    },
    async (request) => {
      const id = request.params.organisationId;
      const caller = callerOf(request);
      policies.ownOrganisation(caller, id, `Organisation ${id}`);
      // Decided on the stored version: of two concurrent replacements, each event is built from the state it replaces.
      const handled = await store.commands.handleExisting(id, (current) => replaceContacts(current, request.body.contacts, new Date()));
      if (!handled) throw notFound(`Organisation ${id}`);
      acceptedOrThrow(handled.decision, 'organisation');
      return viewOf(handled.after!);
    },
  );
}
