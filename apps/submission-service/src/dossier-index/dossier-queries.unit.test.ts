import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { DOSSIER_STATUSES, type DossierStatus } from '@aap/contracts';
import type { DossierRow } from './dossier-row';
import { comparatorOf, countRows, DOSSIER_SORT_FIELDS, firstInOrder, queryRows, selectRows, toRowView, type DossierFilter, type DossierSort } from './dossier-queries';

// Counts how often a row is folded for search (the queries must fold each row object once).
const folding = vi.hoisted(() => ({ calls: 0 }));
vi.mock('./dossier-row', async (importOriginal) => {
  const original = await importOriginal<typeof import('./dossier-row')>();
  return {
    ...original,
    foldForSearch: (text: string) => {
      folding.calls += 1;
      return original.foldForSearch(text);
    },
  };
});

const row = (overrides: Partial<DossierRow> & Pick<DossierRow, 'dossierId'>): DossierRow => ({
  number: null,
  callId: 'c-1',
  waveId: 'v1',
  status: 'submitted',
  organisationId: '216901231',
  applicantName: 'Lyon',
  applicantKind: 'commune',
  departements: ['69'],
  regions: ['84'],
  title: 'Pass numérique',
  requestedGrantCents: 100_000,
  grantedCents: null,
  submittedAt: '2026-03-01T10:00:00.000Z',
  createdAt: '2026-02-01T10:00:00.000Z',
  updatedAt: '2026-03-01T10:00:00.000Z',
  version: 3,
  ...overrides,
});

const statuses = DOSSIER_STATUSES as readonly DossierStatus[];
const anyRow = fc
  .record({
    dossierId: fc.uuid(),
    hasNumber: fc.boolean(),
    serial: fc.integer({ min: 1, max: 40 }),
    waveId: fc.constantFrom('v1', 'v2'),
    status: fc.constantFrom(...statuses),
    organisationId: fc.constantFrom('216901231', '21690123100017', '216902668'),
    applicantKind: fc.constantFrom('commune' as const, 'association' as const, null),
    departements: fc.subarray(['69', '42', '01']),
    regions: fc.subarray(['84', '11']),
    requestedGrantCents: fc.option(fc.integer({ min: 0, max: 50 }), { nil: null }),
    grantedCents: fc.option(fc.nat(50), { nil: null }),
    day: fc.option(fc.integer({ min: 1, max: 9 }), { nil: null }),
  })
  .map(({ hasNumber, serial, day, ...fields }) =>
    row({
      ...fields,
      number: hasNumber ? `AAP-2026-${String(serial).padStart(6, '0')}` : null,
      submittedAt: day === null ? null : `2026-03-0${day}T10:00:00.000Z`,
      createdAt: `2026-02-0${(serial % 9) + 1}T10:00:00.000Z`,
    }),
  );
const anyRows = fc.uniqueArray(anyRow, { maxLength: 60, selector: (r) => r.dossierId });
const anySort = fc.constantFrom(...DOSSIER_SORT_FIELDS.flatMap((field): DossierSort[] => [field, `-${field}`]));
const anyFilter: fc.Arbitrary<DossierFilter> = fc.record(
  {
    status: fc.constantFrom(...statuses),
    waveId: fc.constantFrom('v1', 'v2'),
    departement: fc.constantFrom('69', '42'),
    region: fc.constantFrom('84', '11'),
    applicantKind: fc.constantFrom('commune' as const, 'association' as const),
    includeDrafts: fc.boolean(),
    organisationId: fc.constantFrom('216901231', '216902668'),
  },
  { requiredKeys: [] },
);

/** The filter written the plain way, field by field, to check the one the routes use against. */
const plainlyMatches = (r: DossierRow, f: DossierFilter) =>
  (f.status === undefined ? r.status !== 'draft' || f.includeDrafts === true : r.status === f.status) &&
  [f.waveId === undefined || f.waveId === r.waveId, f.applicantKind === undefined || f.applicantKind === r.applicantKind, f.organisationId === undefined || f.organisationId === r.organisationId].every(Boolean) &&
  (f.departement === undefined || r.departements.includes(f.departement)) &&
  (f.region === undefined || r.regions.includes(f.region));

describe('filtering, sorting and paging the rows of a call', () => {
  it('the total is the number of rows matching the filter, and every row of a page matches it', () => {
    fc.assert(
      fc.property(anyRows, anyFilter, anySort, (rows, filter, sort) => {
        const page = queryRows(rows, { ...filter, sort, page: 1, pageSize: 100 });
        expect(page.total).toBe(rows.filter((r) => plainlyMatches(r, filter)).length);
        expect(page.items.every((r) => plainlyMatches(r, filter))).toBe(true);
      }),
    );
  });

  it('pages never overlap and together give every matching row once, in the order of the sort', () => {
    fc.assert(
      fc.property(anyRows, anyFilter, anySort, fc.integer({ min: 1, max: 7 }), (rows, filter, sort, pageSize) => {
        const all = selectRows(rows, filter, sort);
        const pages = Array.from({ length: Math.ceil(all.length / pageSize) + 1 }, (_, i) => queryRows(rows, { ...filter, sort, page: i + 1, pageSize }));
        const paged = pages.flatMap((p) => p.items.map((r) => r.dossierId));
        expect(paged).toEqual(all.map((r) => r.dossierId));
        expect(new Set(paged).size).toBe(paged.length);
        expect(pages.at(-1)!.items).toEqual([]);
      }),
    );
  });

  it('a sort orders by its field (a missing value last in both directions), then by dossier id', () => {
    fc.assert(
      fc.property(anyRows, anySort, (rows, sort) => {
        const field = sort.replace(/^-/, '') as (typeof DOSSIER_SORT_FIELDS)[number];
        const sorted = selectRows(rows, { includeDrafts: true }, sort);
        for (let i = 1; i < sorted.length; i += 1) {
          const [a, b] = [sorted[i - 1]!, sorted[i]!];
          expect(comparatorOf(sort)(a, b)).toBeLessThan(0);
          if (a[field] === null) expect(b[field]).toBeNull();
          if (a[field] === b[field]) expect(a.dossierId < b.dossierId).toBe(true);
          else if (a[field] !== null && b[field] !== null) expect(sort.startsWith('-') ? a[field]! > b[field]! : a[field]! < b[field]!).toBe(true);
        }
      }),
    );
  });

  it('a page is the same whether it is taken from the kept sorted copy of the rows or picked from a new array', () => {
    fc.assert(
      fc.property(anyRows, anyFilter, anySort, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), (rows, filter, sort, page, pageSize) => {
        const query = { ...filter, sort, page, pageSize };
        const once = queryRows([...rows], query);
        queryRows(rows, query);
        expect(queryRows(rows, query)).toEqual(once);
      }),
    );
  });

  it('the matches of each filter kept beside a sorted copy answer that filter only: many filters and searches in turn on one array give what a new array gives', () => {
    // Words that match whole words, prefixes, the middle of a word only (no match), and pairs where one word is missing.
    const anySearch = fc.option(fc.constantFrom('ga', 'commune', '2169', 'AAP-2026', 'zzz', 'yon', 'LYON pass', 'numér', 'pass zzz', '2026 aap'), { nil: undefined });
    const fields = ['status', 'waveId', 'departement', 'region', 'applicantKind', 'includeDrafts', 'organisationId'] as const;
    // One sort per run (its sorted copy, hence its kept matches, serve every query of the run), and
    // filters that differ from one base filter by ONE field: a key that forgot a field would answer another's.
    const oneFieldOff = fc.tuple(fc.constantFrom(...fields), anyFilter, anySearch);
    fc.assert(
      fc.property(anyRows, anySort, anyFilter, fc.array(oneFieldOff, { minLength: 2, maxLength: 12 }), (rows, sort, base, changes) => {
        const queries = changes.map(([field, other, q]): [DossierFilter, string | undefined] => [{ ...base, [field]: other[field] }, q]);
        for (const [filter, q] of [...queries, ...queries]) {
          const query = { ...filter, ...(q === undefined ? {} : { q }), sort, page: 1, pageSize: 100 };
          expect(queryRows(rows, query)).toEqual(queryRows([...rows], query));
        }
      }),
    );
  });

  it('the first rows of a sort, picked one by one, are the start of the whole sorted list', () => {
    fc.assert(
      fc.property(anyRows, anySort, fc.nat(70), (rows, sort, count) => {
        const compare = comparatorOf(sort);
        expect(firstInOrder(rows, count, compare)).toEqual([...rows].sort(compare).slice(0, count));
      }),
    );
  });

  it('drafts are hidden unless asked for or filtered on; the input is left in its order', () => {
    const rows = [row({ dossierId: 'b', status: 'draft' }), row({ dossierId: 'a', number: 'AAP-2026-000002' }), row({ dossierId: 'c', number: 'AAP-2026-000001', status: 'accepted' })];
    const ids = (filter: DossierFilter) => selectRows(rows, filter).map((r) => r.dossierId);
    expect(ids({})).toEqual(['c', 'a']);
    expect(ids({ includeDrafts: true })).toEqual(['c', 'a', 'b']);
    expect(ids({ status: 'draft' })).toEqual(['b']);
    expect(ids({ status: 'accepted', includeDrafts: true })).toEqual(['c']);
    expect(rows.map((r) => r.dossierId)).toEqual(['b', 'a', 'c']);
  });

  it('the default sort is by number, drafts (no number yet) last, and amounts sort as numbers', () => {
    const rows = [
      row({ dossierId: 'd1', status: 'draft', requestedGrantCents: null }),
      row({ dossierId: 'x', number: 'AAP-2026-000010', requestedGrantCents: 9_000 }),
      row({ dossierId: 'y', number: 'AAP-2026-000002', requestedGrantCents: 10_000 }),
    ];
    expect(queryRows(rows, { includeDrafts: true, page: 1, pageSize: 20 }).items.map((r) => r.dossierId)).toEqual(['y', 'x', 'd1']);
    expect(selectRows(rows, { includeDrafts: true }, '-requestedGrantCents').map((r) => r.dossierId)).toEqual(['y', 'x', 'd1']);
    expect(selectRows(rows, { includeDrafts: true }, 'requestedGrantCents').map((r) => r.dossierId)).toEqual(['x', 'y', 'd1']);
  });

  it('a row is shown without the version it was built from', () => {
    const { version: _version, ...view } = row({ dossierId: 'a' });
    expect(toRowView(row({ dossierId: 'a' }))).toEqual(view);
  });
});

describe('searching', () => {
  const rows = [
    row({ dossierId: 'se', number: 'AAP-2026-000123', organisationId: '21420218600017', applicantName: 'Commune de Saint-Étienne', title: 'Médiation numérique', departements: ['42'] }),
    row({ dossierId: 'ly', number: 'AAP-2026-000124', organisationId: '216901231', applicantName: 'Lyon', title: 'Pass numérique lyonnais' }),
    row({ dossierId: 'as', number: 'AAP-2026-001230', organisationId: '775671356', applicantName: "L'Œuvre des Écrans", applicantKind: 'association', title: 'Ateliers Étienne-Marcel' }),
    row({ dossierId: 'dr', status: 'draft', organisationId: '216901231', applicantName: 'Lyon', title: 'Brouillon numérique' }),
  ];
  const found = (q: string, filter: DossierFilter = {}) => selectRows(rows, { ...filter, q }).map((r) => r.dossierId).sort();

  it('folds accents and case, and matches the start of a word', () => {
    expect(found('SAINT-ETIENNE')).toEqual(['se']);
    expect(found('étien')).toEqual(['as', 'se']);
    expect(found('tienne')).toEqual([]);
    expect(found('mediation')).toEqual(['se']);
    expect(found("l'écran")).toEqual(['as']);
  });

  it('finds a SIRET by its SIREN or a prefix, a SIREN by itself, never by the middle of the number', () => {
    expect(found('214202186')).toEqual(['se']);
    expect(found('21420218600017')).toEqual(['se']);
    expect(found('2169')).toEqual(['ly']);
    expect(found('0218600017')).toEqual([]);
  });

  it('finds a dossier by its receipt number, whole or by its serial', () => {
    expect(found('AAP-2026-000123')).toEqual(['se']);
    expect(found('aap 2026 00012')).toEqual(['ly', 'se']);
    expect(found('000123')).toEqual(['se']);
    expect(found('001230')).toEqual(['as']);
  });

  it('several words must all match, each in any of the fields', () => {
    expect(found('numérique lyon')).toEqual(['ly']);
    expect(found('numerique 42')).toEqual([]); // a département is not searched: it is a filter
    expect(found('numérique 2169')).toEqual(['ly']);
    expect(found('numérique zzz')).toEqual([]);
  });

  it('searches drafts only when they are asked for, and within the other filters', () => {
    expect(found('brouillon')).toEqual([]);
    expect(found('brouillon', { includeDrafts: true })).toEqual(['dr']);
    expect(found('numérique', { organisationId: '216901231', includeDrafts: true })).toEqual(['dr', 'ly']);
    expect(found('numérique', { departement: '42' })).toEqual(['se']);
  });

  it('folds each row object once, however many searches read it', () => {
    const fresh = [row({ dossierId: 'f1', applicantName: 'Villeurbanne' }), row({ dossierId: 'f2', applicantName: 'Vénissieux' })];
    selectRows(fresh, { q: 'vil' });
    const afterFirst = folding.calls;
    selectRows(fresh, { q: 'ven' });
    selectRows(fresh, { q: 'villeurbanne' });
    // Only the two queries are folded again, never the rows.
    expect(folding.calls - afterFirst).toBe(2);
    // A changed row is a new object (rows are never mutated): folded again.
    selectRows([...fresh, { ...fresh[0]!, applicantName: 'Vaulx-en-Velin' }], { q: 'vaulx' });
    expect(folding.calls - afterFirst).toBe(2 + 2);
  });
});

describe('counting the dossiers of a call', () => {
  it('drafts apart; totals and breakdowns of the submitted dossiers; amounts per status', () => {
    const counts = countRows([
      row({ dossierId: 'a', status: 'draft', requestedGrantCents: 5, departements: [], regions: [], applicantKind: null }),
      row({ dossierId: 'b', status: 'submitted', requestedGrantCents: 100, departements: ['69', '01'], regions: ['84'] }),
      row({ dossierId: 'c', status: 'accepted', requestedGrantCents: 200, grantedCents: 150, applicantKind: 'association', departements: ['42'] }),
      row({ dossierId: 'd', status: 'accepted', requestedGrantCents: null, grantedCents: 10, departements: ['42'] }),
    ]);
    expect(counts).toEqual({
      total: 3,
      drafts: 1,
      byStatus: { draft: 1, submitted: 1, accepted: 2 },
      byDepartement: { '69': 1, '01': 1, '42': 2 },
      byRegion: { '84': 3 },
      byApplicantKind: { commune: 2, association: 1 },
      requestedGrantCents: { total: 300, byStatus: { draft: 5, submitted: 100, accepted: 200 } },
      grantedCents: 160,
    });
  });

  it('the statuses add up to every row, the amounts per status to the total with the drafts', () => {
    fc.assert(
      fc.property(anyRows, (rows) => {
        const counts = countRows(rows);
        const sum = (map: Record<string, number>) => Object.values(map).reduce((a, b) => a + b, 0);
        expect(counts.total + counts.drafts).toBe(rows.length);
        expect(sum(counts.byStatus)).toBe(rows.length);
        expect(counts.total).toBe(queryRows(rows, { page: 1, pageSize: 1 }).total);
        expect(sum(counts.requestedGrantCents.byStatus)).toBe(counts.requestedGrantCents.total + (counts.requestedGrantCents.byStatus.draft ?? 0));
        expect(sum(counts.byApplicantKind)).toBe(rows.filter((r) => r.status !== 'draft' && r.applicantKind !== null).length);
      }),
    );
  });
});
