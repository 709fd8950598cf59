import type { Model } from 'mongoose';
import { z } from 'zod';
import { applicantKind, applicantSnapshot, isoDateTime, OrganisationContactsUpdated, OrganisationRegistered, organisationId, SIREN, SIRET } from '@aap/contracts';
import { newEvent, outboxForInsert, withEvents } from '@aap/messaging';
import {
  applicantScope,
  callerOf,
  conflict,
  forbidden,
  notFound,
  paginated,
  paginationQuery,
  skipOf,
  sortQuery,
  toMongoSort,
  unprocessable,
  type Caller,
} from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { recordOf, snapshotOf, sortNameOf, type OrganisationDocument } from './model';
import { contactsInput, registrationInput, resolveRegistration } from './registration';

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
  departement: z.string().optional().describe('a département code: organisations whose territory includes it'),
  region: z.string().optional().describe('a région code: organisations whose territory includes it'),
  sort: sortQuery(['name', 'registeredAt'], 'name'),
});

function viewOf(document: OrganisationDocument) {
  const record = recordOf(document);
  return {
    ...snapshotOf(record),
    siren: record.siren,
    ...(record.siret ? { siret: record.siret } : {}),
    ...(record.legalForm ? { legalForm: record.legalForm } : {}),
    ...(record.rna ? { rna: record.rna } : {}),
    registeredAt: document.registeredAt.toISOString(),
    updatedAt: document.updatedAt.toISOString(),
  };
}

/** An applicant sees only its own organisation; another one answers 404, as if it did not exist. */
function ensureVisible(caller: Caller, id: string): void {
  const scope = applicantScope(caller);
  if (scope !== undefined && scope !== id) throw notFound(`Organisation ${id}`);
}

const isDuplicateKey = (error: unknown) => (error as { code?: unknown }).code === 11000;

export function registerOrganisationRoutes(context: ServiceContext, Organisation: Model<OrganisationDocument>): void {
  const findOrganisation = async (id: string) => {
    const document = await Organisation.findById(id).lean<OrganisationDocument>();
    if (!document) throw notFound(`Organisation ${id}`);
    return document;
  };

  context.http.post(
    '/organisations',
    {
      config: { access: { roles: ['applicant', 'admin'] } },
      schema: {
        tags: ['organisations'],
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
      const scope = applicantScope(caller);
      if (scope !== undefined && scope !== id) {
        throw forbidden(`your token is for organisation ${scope}: an applicant can only register its own organisation, not ${id}`);
      }

      const outcome = resolveRegistration(body);
      if (outcome.refusals) throw unprocessable(`${id} cannot be registered as ${body.kind}`, outcome.refusals);
      const { organisation } = outcome;

      const now = new Date();
      const document: OrganisationDocument = {
        _id: organisation.organisationId,
        name: organisation.name,
        sortName: sortNameOf(organisation.name),
        kind: organisation.kind,
        territory: organisation.territory,
        ...(organisation.groupementMemberSirens ? { groupementMemberSirens: organisation.groupementMemberSirens } : {}),
        contacts: organisation.contacts,
        siren: organisation.siren,
        ...(organisation.siret ? { siret: organisation.siret } : {}),
        ...(organisation.legalForm ? { legalForm: organisation.legalForm } : {}),
        ...(organisation.rna ? { rna: organisation.rna } : {}),
        revision: 1,
        registeredAt: now,
        updatedAt: now,
        registeredBy: caller.userId,
        ...outboxForInsert([newEvent(context.service, OrganisationRegistered, { organisation: snapshotOf(organisation) })]),
      };
      try {
        await Organisation.create(document);
      } catch (error) {
        if (isDuplicateKey(error)) throw conflict(`organisation ${id} is already registered`);
        throw error;
      }
      return reply.status(201).header('location', `/organisations/${id}`).send(viewOf(document));
    },
  );

  context.http.get(
    '/organisations/:organisationId',
    {
      config: { access: { roles: ['applicant', 'programme-manager', 'reviewer', 'committee', 'finance', 'admin'] } },
      schema: {
        tags: ['organisations'],
        summary: 'An applicant organisation (an applicant reads only its own)',
        params: organisationParams,
        response: { 200: organisationView },
      },
    },
    async (request) => {
      const { organisationId: id } = request.params;
      ensureVisible(callerOf(request), id);
      return viewOf(await findOrganisation(id));
    },
  );

  context.http.get(
    '/organisations',
    {
      // An applicant may call it too, and gets a list of only its own organisation (0 or 1 item).
      config: { access: { roles: ['applicant', 'programme-manager', 'committee', 'finance', 'admin'] } },
      schema: {
        tags: ['organisations'],
        summary: 'Registered organisations, filtered by kind, département or région',
        querystring: listQuery,
        response: { 200: paginated(organisationView) },
      },
    },
    async (request) => {
      const { kind, departement, region, sort, ...pagination } = request.query;
      const scope = applicantScope(callerOf(request));
      const filter = {
        ...(scope !== undefined ? { _id: scope } : {}),
        ...(kind ? { kind } : {}),
        ...(departement ? { 'territory.departements': departement } : {}),
        ...(region ? { 'territory.regions': region } : {}),
      };
      const [documents, total] = await Promise.all([
        Organisation.find(filter)
          .sort(toMongoSort(sort, { name: 'sortName' }))
          .skip(skipOf(pagination))
          .limit(pagination.pageSize)
          .lean<OrganisationDocument[]>(),
        Organisation.countDocuments(filter),
      ]);
      return { items: documents.map(viewOf), ...pagination, total };
    },
  );

  context.http.patch(
    '/organisations/:organisationId/contacts',
    {
      config: { access: { roles: ['applicant', 'admin'] } },
      schema: {
        tags: ['organisations'],
        summary: "Replace an organisation's contacts (its own applicant, or an admin)",
        params: organisationParams,
        body: z.object({ contacts: contactsInput }),
        response: { 200: organisationView },
      },
    },
    async (request) => {
      const { organisationId: id } = request.params;
      ensureVisible(callerOf(request), id);
      const current = await findOrganisation(id);
      const updated: OrganisationDocument = { ...current, contacts: request.body.contacts, revision: current.revision + 1, updatedAt: new Date() };
      const event = newEvent(context.service, OrganisationContactsUpdated, { organisation: snapshotOf(recordOf(updated)) });
      // Guarded by revision: of two concurrent replacements, the later write cannot carry an event built from older state.
      const result = await Organisation.updateOne(
        { _id: id, revision: current.revision },
        withEvents<OrganisationDocument>({ $set: { contacts: updated.contacts, updatedAt: updated.updatedAt }, $inc: { revision: 1 } }, [event]),
      );
      if (result.matchedCount === 0) throw conflict(`organisation ${id} changed meanwhile: read it again and retry`);
      return viewOf(updated);
    },
  );
}
