/**
 * The requests of the staff-list figures, derived (pure, deterministic) from the dossiers seeded in a
 * call: list pages filtered by status and département (filters that select something, several pages
 * where there are), and searches by receipt number, SIREN and a name prefix typed with its accents.
 */
import type { ApplicantSnapshot, DossierStatus } from '@aap/contracts';

interface SeededDossier {
  _id: string;
  status: DossierStatus;
  number?: unknown;
  organisationId?: unknown;
  applicant?: unknown;
}

export interface ListQuery {
  status: DossierStatus;
  departement: string;
  page: number;
}

export const PAGE_SIZE = 50;

/** Up to `count` list queries: for each status its most frequent départements, the pages they have (at most 3). */
export function listQueries(documents: readonly SeededDossier[], count = 60): ListQuery[] {
  const sizes = new Map<string, number>();
  for (const d of documents) {
    for (const departement of (d.applicant as ApplicantSnapshot).territory.departements) {
      const key = `${d.status}|${departement}`;
      sizes.set(key, (sizes.get(key) ?? 0) + 1);
    }
  }
  const byStatus = new Map<string, Array<[string, number]>>();
  for (const [key, size] of sizes) {
    const [status, departement] = key.split('|') as [string, string];
    byStatus.set(status, [...(byStatus.get(status) ?? []), [departement, size]]);
  }
  const perStatus = [...byStatus].map(([status, entries]) => ({
    status: status as DossierStatus,
    entries: entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
  }));
  const queries: ListQuery[] = [];
  // Round-robin over the statuses, most frequent département first: every status appears early.
  for (let rank = 0; queries.length < count && perStatus.some((s) => s.entries.length > rank); rank++) {
    for (const { status, entries } of perStatus.sort((a, b) => a.status.localeCompare(b.status))) {
      const entry = entries[rank];
      if (!entry) continue;
      const pages = Math.min(3, Math.ceil(entry[1] / PAGE_SIZE));
      for (let page = 1; page <= pages && queries.length < count; page++) queries.push({ status, departement: entry[0], page });
    }
  }
  return queries;
}

export interface SearchQuery {
  by: 'number' | 'siren' | 'name';
  q: string;
}

/** `perKind` searches of each kind, spread over the call: a whole number, a SIREN (prefix of a SIRET), a name's first letters with its accents. */
export function searchQueries(documents: readonly SeededDossier[], perKind = 10): SearchQuery[] {
  const step = Math.max(1, Math.floor(documents.length / perKind));
  const spread = documents.filter((_, i) => i % step === 0);
  const numbers = documents.filter((d) => typeof d.number === 'string');
  const numberStep = Math.max(1, Math.floor(numbers.length / perKind));
  const sirens = [...new Set(spread.map((d) => String(d.organisationId).slice(0, 9)))];
  const names = [
    ...new Set(
      documents.flatMap((d) => {
        const word = (d.applicant as ApplicantSnapshot).name.split(/[\s'’-]+/).find((w) => w.length >= 4);
        return word ? [word.slice(0, 4 + (word.length % 3)).toLocaleUpperCase('fr')] : [];
      }),
    ),
  ];
  return [
    ...numbers.filter((_, i) => i % numberStep === 0).slice(0, perKind).map((d) => ({ by: 'number' as const, q: d.number as string })),
    ...sirens.slice(0, perKind).map((q) => ({ by: 'siren' as const, q })),
    ...names.slice(0, perKind).map((q) => ({ by: 'name' as const, q })),
  ];
}
