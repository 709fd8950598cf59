import { z } from 'zod';

/** Amounts are whole euro cents, never floats. */
export const cents = z.number().int('must be a whole number of cents').nonnegative();
/** A rate in basis points: 5000 = 50 %. */
export const basisPoints = z.number().int().min(0).max(10_000);

// Every string a request may carry has a maximum (`.max`) even where its pattern bounds it: the
// OpenAPI document states it, and the request-limits test checks it for every request.
export const SIREN = z.string().max(9).regex(/^\d{9}$/, 'a SIREN has 9 digits');
export const SIRET = z.string().max(14).regex(/^\d{14}$/, 'a SIRET has 14 digits');
/** An organisation is identified by its SIREN (collectivités) or SIRET (tiers-lieux establishments). */
export const organisationId = z.string().max(14).regex(/^(\d{9}|\d{14})$/, 'a SIREN (9 digits) or a SIRET (14 digits)');
/** INSEE commune code (COG): 5 characters, Corsica 2A/2B. Not a postcode. */
export const inseeCommuneCode = z.string().max(5).regex(/^(\d{5}|2[AB]\d{3})$/, 'an INSEE commune code (5 characters)');

export const COLLECTIVITE_KINDS = ['commune', 'epci', 'metropole', 'departement', 'region', 'syndicat-mixte'] as const;
export const TIERS_LIEU_KINDS = ['association', 'scic', 'company', 'other'] as const;
export const APPLICANT_KINDS = [...COLLECTIVITE_KINDS, ...TIERS_LIEU_KINDS] as const;
export const applicantKind = z.enum(APPLICANT_KINDS);
export type ApplicantKind = z.infer<typeof applicantKind>;
export const isCollectivite = (kind: ApplicantKind) => (COLLECTIVITE_KINDS as readonly string[]).includes(kind);

/** Where an organisation is, from the official geography (never typed by the applicant). */
export const territory = z.object({
  /** INSEE code of the commune (a commune, or a tiers-lieu's address commune). */
  communeCode: inseeCommuneCode.optional(),
  /** Département codes (an EPCI may span several). */
  departements: z.array(z.string()).min(1),
  regions: z.array(z.string()).min(1),
});
export type Territory = z.infer<typeof territory>;

/** An e-mail address (RFC 5321 caps a path at 254 characters). */
export const contactEmail = z.email().max(254);

/** The applicant as carried by dossier events (event-carried state: consumers keep their own copy). */
export const applicantSnapshot = z.object({
  organisationId,
  name: z.string(),
  kind: applicantKind,
  territory,
  /** A groupement applies through its lead organisation (this one) for its member collectivités. */
  groupementMemberSirens: z.array(SIREN).optional(),
  contacts: z.array(z.object({ name: z.string(), email: contactEmail, role: z.string().optional() })),
});
export type ApplicantSnapshot = z.infer<typeof applicantSnapshot>;

/** An instant with its offset; fractional seconds are allowed, hence the maximum. */
export const isoDateTime = z.iso.datetime({ offset: true }).max(40);
export const isoDate = z.iso.date().max(10);
