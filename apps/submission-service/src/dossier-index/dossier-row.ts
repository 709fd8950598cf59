import type { ApplicantKind, DossierStatus } from '@aap/contracts';

/**
 * The staff lists' read model, its contract: one compact row per dossier of a call (drafts included),
 * kept from the dossier events (dossier-index.projection.ts) in bounded bucket documents per call, and
 * read through an in-process copy revalidated by one `_id` read, so that a page, a search or the
 * call's counts cost a few `_id` reads whatever the call's size (the queries are pure: dossier-queries.ts).
 */
export interface DossierRow {
  dossierId: string;
  /** The receipt number; null for a draft (a number is given at submission). */
  number: string | null;
  callId: string;
  waveId: string;
  status: DossierStatus;
  /** The applicant organisation's SIREN (9 digits) or SIRET (14 digits): a SIREN search is a prefix of it. */
  organisationId: string;
  /** '' when not known yet (a draft whose applicant snapshot is not taken). */
  applicantName: string;
  applicantKind: ApplicantKind | null;
  departements: readonly string[];
  regions: readonly string[];
  /** '' for a draft without a project part yet. */
  title: string;
  requestedGrantCents: number | null;
  /** The committee's grant, when the dossier is accepted. */
  grantedCents: number | null;
  /** ISO 8601; null for a draft. */
  submittedAt: string | null;
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
  /** The dossier's version this row was built from: a row never goes back to an older version. */
  version: number;
}

/** The read side of the index, what the list, search and count routes use. */
export interface DossierIndex {
  /** Every row of one call, drafts included (revalidated by one `_id` read; only changed buckets are read again). */
  rowsOfCall(callId: string): Promise<readonly DossierRow[]>;
  /** Rewrites the dossier's row from the stored dossier now (idempotent, never to an older version). */
  refresh(dossierId: string): Promise<void>;
}

/**
 * How names, titles and numbers are compared in a search: accents and case folded, any run of
 * characters other than letters and digits one space ("Saint-Étienne" → "saint etienne").
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
