import { Schema, type Model } from 'mongoose';
import type { ApplicantKind, ApplicantSnapshot, Territory } from '@aap/contracts';
import { outboxPlugin, type OutboxFields } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { OrganisationRecord } from './registration';

export interface OrganisationDocument extends OutboxFields {
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
  /** Incremented by each change: guards an update so its event carries exactly the state it wrote. */
  revision: number;
  registeredAt: Date;
  updatedAt: Date;
  /** User id of who registered it. */
  registeredBy: string;
}

export function organisationModel(context: ServiceContext): Model<OrganisationDocument> {
  const schema = new Schema<OrganisationDocument>(
    {
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
      revision: { type: Number, required: true },
      registeredAt: { type: Date, required: true, index: true },
      updatedAt: { type: Date, required: true },
      registeredBy: { type: String, required: true },
    },
    { collection: 'organisations', versionKey: false },
  );
  schema.plugin(outboxPlugin);
  return context.db.model<OrganisationDocument>('Organisation', schema);
}

export const sortNameOf = (name: string) =>
  name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

export function recordOf(document: OrganisationDocument): OrganisationRecord {
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
  };
}

/** The applicant as other services see it: without its legal identifiers beyond the organisation id. */
export function snapshotOf(record: OrganisationRecord): ApplicantSnapshot {
  return {
    organisationId: record.organisationId,
    name: record.name,
    kind: record.kind,
    territory: {
      ...(record.territory.communeCode ? { communeCode: record.territory.communeCode } : {}),
      departements: [...record.territory.departements],
      regions: [...record.territory.regions],
    },
    ...(record.groupementMemberSirens ? { groupementMemberSirens: [...record.groupementMemberSirens] } : {}),
    contacts: record.contacts.map(({ name, email, role }) => ({ name, email, ...(role ? { role } : {}) })),
  };
}
