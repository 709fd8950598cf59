import { z } from 'zod';
import { contactEmail, inseeCommuneCode, SIREN, SIRET, TIERS_LIEU_KINDS, type ApplicantKind, type ApplicantSnapshot, type Territory, type Violation } from '@aap/contracts';
import { communeByCode, communeBySiren, communesByPostcode, departementByCode, epciBySiren, regionByCode } from '@aap/contracts/geography';
import { isValidRna, isValidSiren, isValidSiret } from './identifiers';

/** The notification service e-mails these people about the organisation's dossiers. */
export const contactsInput = z
  .array(
    z.object({
      name: z.string().trim().min(1).max(200),
      email: contactEmail,
      role: z.string().trim().min(1).max(100).optional(),
    }),
  )
  .min(1, 'give at least one contact')
  .max(10, 'at most 10 contacts');

const departementCode = z.string().max(3).regex(/^(\d{2,3}|2[AB])$/, 'a département code, e.g. 69, 2A or 974');
const regionCode = z.string().max(3).regex(/^\d{2,3}$/, 'a région code, e.g. 84 or 04');
const organisationName = z.string().trim().min(2).max(200);
const common = {
  contacts: contactsInput,
  groupement: z
    .object({ memberSirens: z.array(SIREN).min(1, 'a groupement has at least one member').max(500) })
    .optional()
    .describe('the organisation applies as the lead of a groupement of these communes and EPCI'),
};

/**
 * What an applicant types to register its organisation. Collectivités give their SIREN (plus, for a
 * département or a région, its code: the data carries no SIREN for them); the name and territory come
 * from the official geography. Tiers-lieux give their establishment's SIRET and address commune.
 */
export const registrationInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.enum(['commune', 'epci', 'metropole']), siren: SIREN, ...common }),
  z.object({ kind: z.literal('departement'), siren: SIREN, departementCode, ...common }),
  z.object({ kind: z.literal('region'), siren: SIREN, regionCode, ...common }),
  // Syndicats mixtes are not in the geography data: their name is typed, their département checked.
  z.object({ kind: z.literal('syndicat-mixte'), siren: SIREN, name: organisationName, departementCode, ...common }),
  z.object({
    kind: z.enum(TIERS_LIEU_KINDS),
    siret: SIRET,
    name: organisationName,
    legalForm: z.string().trim().min(2).max(120).describe('as registered at INSEE, e.g. "Association déclarée" or "SCIC SAS"'),
    rna: z.string().max(10).refine(isValidRna, 'an RNA number: W followed by 9 capital letters or digits').optional(),
    communeCode: inseeCommuneCode,
    ...common,
  }),
]);
export type RegistrationInput = z.infer<typeof registrationInput>;

/** An organisation as registered: its applicant snapshot plus its legal identifiers. */
export interface OrganisationRecord extends ApplicantSnapshot {
  siren: string;
  /** Tiers-lieux only: the establishment that applies. */
  siret?: string;
  legalForm?: string;
  rna?: string;
}

export type RegistrationOutcome = { organisation: OrganisationRecord; violations?: never } | { violations: Violation[]; organisation?: never };

const refusal = (name: string, pointer: string, detail: string): Violation => ({ name, pointer, detail });

const KIND_LABELS: Record<ApplicantKind, string> = {
  commune: 'a commune',
  epci: 'an EPCI',
  metropole: 'a métropole',
  departement: 'a département',
  region: 'a région',
  'syndicat-mixte': 'a syndicat mixte',
  association: 'an association',
  scic: 'a SCIC',
  company: 'a company',
  other: 'a tiers-lieu',
};

/** A commune or EPCI of the geography data, found by its SIREN. */
interface GeographicCollectivite {
  kind: 'commune' | 'epci' | 'metropole';
  name: string;
  territory: Territory;
  /** How a message names it, e.g. `the commune «Lyon» (INSEE 69123)`. */
  described: string;
}

function collectiviteBySiren(siren: string): GeographicCollectivite | undefined {
  const commune = communeBySiren(siren);
  if (commune) {
    return {
      kind: 'commune',
      name: commune.name,
      territory: { communeCode: commune.code, departements: [commune.departement], regions: [commune.region] },
      described: `the commune «${commune.name}» (INSEE ${commune.code})`,
    };
  }
  const epci = epciBySiren(siren);
  if (epci) {
    return {
      kind: epci.kind,
      name: epci.name,
      territory: { departements: epci.departements, regions: epci.regions },
      described: `the ${epci.kind === 'metropole' ? 'métropole' : 'EPCI'} «${epci.name}»`,
    };
  }
  return undefined;
}

const kindMismatch = (siren: string, registeredAs: ApplicantKind, found: GeographicCollectivite) =>
  refusal(
    'kind-mismatch',
    '#/siren',
    `SIREN ${siren} is ${found.described}, not ${KIND_LABELS[registeredAs]}: register it with kind "${found.kind}"`,
  );

const sirenChecksum = (siren: string) =>
  refusal('siren-checksum', '#/siren', `SIREN ${siren} fails its checksum (Luhn): check for a mistyped digit`);

/**
 * Checks a registration against the identifier checksums and the official geography, and builds the
 * organisation from the data. Every failing rule is reported, so the applicant can fix all at once.
 */
export function resolveRegistration(input: RegistrationInput): RegistrationOutcome {
  const resolved = resolveOrganisation(input);
  const groupement = input.groupement ? resolveGroupement(input.groupement.memberSirens, 'siren' in input ? input.siren : input.siret.slice(0, 9)) : undefined;
  const violations = [...(resolved.violations ?? []), ...(groupement?.violations ?? [])];
  if (violations.length > 0 || !resolved.organisation) return { violations };
  return {
    organisation: {
      ...resolved.organisation,
      ...(groupement?.memberSirens ? { groupementMemberSirens: groupement.memberSirens } : {}),
      contacts: input.contacts,
    },
  };
}

type Resolved = { organisation: Omit<OrganisationRecord, 'contacts'>; violations?: never } | { violations: Violation[]; organisation?: never };

function resolveOrganisation(input: RegistrationInput): Resolved {
  switch (input.kind) {
    case 'commune':
    case 'epci':
    case 'metropole': {
      if (!isValidSiren(input.siren)) return { violations: [sirenChecksum(input.siren)] };
      const found = collectiviteBySiren(input.siren);
      if (!found) {
        return {
          violations: [
            refusal(
              'siren-not-in-geography',
              '#/siren',
              `SIREN ${input.siren} is not ${KIND_LABELS[input.kind]} of the official geography (current communes and EPCI of the COG): check the number on annuaire-entreprises.data.gouv.fr`,
            ),
          ],
        };
      }
      if (found.kind !== input.kind) return { violations: [kindMismatch(input.siren, input.kind, found)] };
      return { organisation: { organisationId: input.siren, siren: input.siren, name: found.name, kind: input.kind, territory: found.territory } };
    }
    case 'departement':
    case 'syndicat-mixte': {
      const departement = departementByCode(input.departementCode);
      const violations = [
        ...collectiviteSirenRefusals(input.siren, input.kind),
        ...(departement ? [] : [refusal('unknown-departement', '#/departementCode', `${input.departementCode} is not a département code of the official geography`)]),
      ];
      if (violations.length > 0 || !departement) return { violations };
      return {
        organisation: {
          organisationId: input.siren,
          siren: input.siren,
          name: input.kind === 'departement' ? departement.name : input.name,
          kind: input.kind,
          territory: { departements: [departement.code], regions: [departement.region] },
        },
      };
    }
    case 'region': {
      const region = regionByCode(input.regionCode);
      const violations = [
        ...collectiviteSirenRefusals(input.siren, input.kind),
        ...(region ? [] : [refusal('unknown-region', '#/regionCode', `${input.regionCode} is not a région code of the official geography`)]),
      ];
      if (violations.length > 0 || !region) return { violations };
      return {
        organisation: {
          organisationId: input.siren,
          siren: input.siren,
          name: region.name,
          kind: input.kind,
          territory: { departements: region.departements, regions: [region.code] },
        },
      };
    }
    default:
      return resolveTiersLieu(input);
  }
}

/** Départements, régions and syndicats mixtes have no SIREN in the data: checksum, and not a commune's or EPCI's. */
function collectiviteSirenRefusals(siren: string, kind: ApplicantKind): Violation[] {
  if (!isValidSiren(siren)) return [sirenChecksum(siren)];
  const found = collectiviteBySiren(siren);
  return found ? [kindMismatch(siren, kind, found)] : [];
}

function resolveTiersLieu(input: Extract<RegistrationInput, { siret: string }>): Resolved {
  const commune = communeByCode(input.communeCode);
  const violations = [
    ...(isValidSiret(input.siret) ? [] : [refusal('siret-checksum', '#/siret', `SIRET ${input.siret} fails its checksum (Luhn): check for a mistyped digit`)]),
    ...(commune ? [] : [refusal('unknown-commune', '#/communeCode', unknownCommuneDetail(input.communeCode))]),
    ...(input.rna && input.kind !== 'association'
      ? [refusal('rna-association-only', '#/rna', `an RNA number identifies an association, not ${KIND_LABELS[input.kind]}: remove it or register with kind "association"`)]
      : []),
  ];
  if (violations.length > 0 || !commune) return { violations };
  return {
    organisation: {
      organisationId: input.siret,
      siren: input.siret.slice(0, 9),
      siret: input.siret,
      name: input.name,
      kind: input.kind,
      territory: { communeCode: commune.code, departements: [commune.departement], regions: [commune.region] },
      legalForm: input.legalForm,
      ...(input.rna ? { rna: input.rna } : {}),
    },
  };
}

function unknownCommuneDetail(code: string): string {
  const served = communesByPostcode(code);
  const hint =
    served.length > 0
      ? `: ${code} is the postcode of ${served.map((commune) => `${commune.name} (INSEE ${commune.code})`).join(', ')}; give the INSEE code, not the postcode`
      : '';
  return `${code} is not the INSEE code of a current commune of the official geography${hint}`;
}

function resolveGroupement(memberSirens: string[], leadSiren: string): { memberSirens?: string[]; violations: Violation[] } {
  const members = [...new Set(memberSirens)];
  const violations = members.flatMap((siren): Violation[] => {
    const pointer = `#/groupement/memberSirens/${memberSirens.indexOf(siren)}`;
    if (siren === leadSiren) return [refusal('groupement-member-is-lead', pointer, `SIREN ${siren} is the lead organisation itself: list only the other members`)];
    if (collectiviteBySiren(siren)) return [];
    const why = isValidSiren(siren) ? 'is neither a current commune nor an EPCI of the official geography' : 'fails its checksum (Luhn)';
    return [refusal('groupement-member-unknown', pointer, `member SIREN ${siren} ${why}: a groupement's members are communes and EPCI`)];
  });
  return violations.length > 0 ? { violations } : { memberSirens: members, violations };
}
