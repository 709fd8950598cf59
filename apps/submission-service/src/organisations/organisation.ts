import {
  accepted,
  emit,
  OrganisationContactsUpdated,
  OrganisationRegistered,
  unlessViolated,
  type ApplicantSnapshot,
  type Decision,
  type Versioned,
} from '@aap/contracts';
import { resolveRegistration, type OrganisationRecord, type RegistrationInput } from './registration';

/**
 * The applicant organisation, pure: registration checked against the identifier checksums and the
 * official geography (registration.ts), then contacts replaced. No I/O here.
 */
export interface Organisation extends OrganisationRecord, Versioned {
  /** When and by whom it was registered, and when it last changed: shown by the routes, never published. */
  registeredAt: Date;
  registeredBy: string;
  updatedAt: Date;
}

export type OrganisationDecision = Decision<Organisation>;

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

/** Registers an organisation (version 1, the first the store writes): every failing rule of its identifiers and geography is reported at once. */
export function registerOrganisation(input: RegistrationInput, command: { by: string }, now: Date): OrganisationDecision {
  const outcome = resolveRegistration(input);
  return unlessViolated(outcome.violations ?? [], () => {
    const organisation: Organisation = { ...outcome.organisation!, version: 1, registeredAt: now, registeredBy: command.by, updatedAt: now };
    return accepted(organisation, emit(OrganisationRegistered, { organisation: snapshotOf(organisation) }));
  });
}

/** Replaces the people the notification service writes to about the organisation's dossiers. */
export function replaceContacts(current: Organisation, contacts: ApplicantSnapshot['contacts'], now: Date): OrganisationDecision {
  const next: Organisation = { ...current, contacts, updatedAt: now };
  return accepted(next, emit(OrganisationContactsUpdated, { organisation: snapshotOf(next) }));
}
