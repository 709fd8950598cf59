import { Schema, type FilterQuery } from 'mongoose';
import type { ApplicantKind, ApplicantSnapshot, Territory } from '@aap/contracts';
import type { OutboxFields } from '@aap/messaging';
import { paginate, toMongoSort, type CountedPage, type Pagination } from '@aap/http';
import { documentStore, type ServiceContext } from '@aap/service-runtime';
import type { Organisation } from './organisation';

/** An organisation as stored: the aggregate's fields, plus what lists sort on and who registered it. */
interface OrganisationDocument extends OutboxFields {
  /** SIREN of a collectivité, SIRET of a tiers-lieu. */
  _id: string;
  name: string;
  /** The name without accents or case: FerretDB has no collation, and «Écully» sorts after «Zutzendorf» otherwise. */
  sortName: string;
  kind: ApplicantKind;
  territory: Territory;
  groupementMemberSirens?: string[];
  contacts: ApplicantSnapshot['contacts'];
  siren: string;
  siret?: string;
  legalForm?: string;
  rna?: string;
  version: number;
  registeredAt: Date;
  updatedAt: Date;
  /** User id of who registered it. */
  registeredBy: string;
}

export interface OrganisationListQuery extends Pagination {
  kind?: ApplicantKind;
  departement?: string;
  region?: string;
  sort: string;
  /** Set for an applicant: its own organisation only. */
  organisationId?: string;
}

export const sortNameOf = (name: string) =>
  name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

function organisationModel(context: ServiceContext) {
  const schema = new Schema<OrganisationDocument>({
    _id: { type: String, required: true },
    name: { type: String, required: true },
    sortName: { type: String, required: true, index: true },
    kind: { type: String, required: true, index: true },
    territory: {
      communeCode: String,
      departements: { type: [String], required: true },
      regions: { type: [String], required: true },
    },
    // Absent, not empty, for an organisation that does not lead a groupement.
    groupementMemberSirens: { type: [String], default: undefined },
    contacts: [{ _id: false, name: { type: String, required: true }, email: { type: String, required: true }, role: String }],
    siren: { type: String, required: true },
    siret: String,
    legalForm: String,
    rna: String,
    version: { type: Number, required: true },
    registeredAt: { type: Date, required: true, index: true },
    updatedAt: { type: Date, required: true },
    registeredBy: { type: String, required: true },
  });
  return context.aggregate('Organisation', schema, { collection: 'organisations' });
}

function toState(document: OrganisationDocument): Organisation {
  return {
    organisationId: document._id,
    name: document.name,
    kind: document.kind,
    territory: document.territory,
    ...(document.groupementMemberSirens ? { groupementMemberSirens: document.groupementMemberSirens } : {}),
    contacts: document.contacts,
    siren: document.siren,
    ...(document.siret ? { siret: document.siret } : {}),
    ...(document.legalForm ? { legalForm: document.legalForm } : {}),
    ...(document.rna ? { rna: document.rna } : {}),
    version: document.version,
    registeredAt: document.registeredAt,
    registeredBy: document.registeredBy,
    updatedAt: document.updatedAt,
  };
}

/** The stored fields of an organisation (its name also as it sorts). */
function fieldsOf(organisation: Organisation) {
  const { organisationId: _id, version: _version, ...fields } = organisation;
  return { ...fields, sortName: sortNameOf(organisation.name) };
}

export function organisationStore(context: ServiceContext) {
  const Organisation = organisationModel(context);
  /** Registration and contact changes go through the service's one command handler. */
  const commands = context.commands(documentStore<Organisation, OrganisationDocument>(Organisation, { name: 'organisation', toState, toFields: fieldsOf }));

  return {
    commands,

    /** By `_id` only: the one lookup every route and the dossiers slice make. */
    async get(organisationId: string): Promise<Organisation | null> {
      const document = await Organisation.findById(organisationId).lean<OrganisationDocument>();
      return document ? toState(document) : null;
    },

    async list(query: OrganisationListQuery): Promise<CountedPage<Organisation>> {
      const filter: FilterQuery<OrganisationDocument> = {
        ...(query.organisationId !== undefined ? { _id: query.organisationId } : {}),
        ...(query.kind ? { kind: query.kind } : {}),
        ...(query.departement ? { 'territory.departements': query.departement } : {}),
        ...(query.region ? { 'territory.regions': query.region } : {}),
      };
      return paginate(Organisation, filter, { ...query, sort: toMongoSort(query.sort, { name: 'sortName' }) }, toState, { count: true });
    },
  };
}

export type OrganisationStore = ReturnType<typeof organisationStore>;
