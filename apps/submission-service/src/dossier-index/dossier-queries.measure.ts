/**
 * How long the pure queries take on a call of 10 000 rows (not a test: timings belong outside the suites).
 *   npx tsx apps/submission-service/src/dossier-index/dossier-queries.measure.ts [rows]
 * Prints the median and the slowest of 200 runs of each query: on the same array of rows (as the index
 * hands it until a row of the call changes: its sorted copies and counts are kept), on a new array each
 * time (what a change, or the rows of several calls put together, costs), and on new row objects (each
 * row folded again for a search).
 */
import { DOSSIER_STATUSES } from '@aap/contracts';
import type { DossierRow } from './dossier-row';
import { countRows, queryRows, type DossierQuery } from './dossier-queries';

const size = Number(process.argv[2] ?? 10_000);
const DEPARTEMENTS = ['01', '07', '26', '38', '42', '69', '73', '74', '75', '13', '33', '59'];
const NAMES = ['Commune de Saint-Étienne', 'Lyon', 'Association Les Écrans', 'Villeurbanne', 'Centre social Élan', 'Tiers-lieu La Fabrique'];
const pick = <T>(list: readonly T[], i: number) => list[i % list.length]!;

function rowsOfACall(n: number): DossierRow[] {
  return Array.from({ length: n }, (_, i) => {
    const status = pick(DOSSIER_STATUSES, i * 7);
    const draft = status === 'draft';
    const day = String((i % 28) + 1).padStart(2, '0');
    return {
      dossierId: `d-${(i * 2_654_435_761) % 4_294_967_296}`,
      number: draft ? null : `AAP-2026-${String(i + 1).padStart(6, '0')}`,
      callId: 'c-1',
      waveId: pick(['v1', 'v2', 'v3'], i),
      status,
      organisationId: String(210_000_000 + i * 37),
      applicantName: `${pick(NAMES, i)} ${i}`,
      applicantKind: pick(['commune', 'association', 'epci'] as const, i),
      departements: [pick(DEPARTEMENTS, i)],
      regions: [pick(['84', '11', '93', '75', '32'], i)],
      title: `Projet numérique n° ${i} — médiation et inclusion`,
      requestedGrantCents: draft ? null : 100_000 + ((i * 7_919) % 2_000_000),
      grantedCents: status === 'accepted' ? 100_000 : null,
      submittedAt: draft ? null : `2026-03-${day}T10:${String(i % 60).padStart(2, '0')}:00.000Z`,
      createdAt: `2026-02-${day}T10:00:00.000Z`,
      updatedAt: `2026-03-${day}T10:00:00.000Z`,
      version: 3,
    };
  });
}

function measure(label: string, run: () => unknown, fresh: () => void = () => {}) {
  const times: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    fresh();
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} median ${times[100]!.toFixed(2)} ms   max ${times.at(-1)!.toFixed(2)} ms`);
}

let rows = rowsOfACall(size);
const newArray = () => (rows = [...rows]);
const newRows = () => (rows = rows.map((row) => ({ ...row })));
const page = (query: Partial<DossierQuery>) => () => queryRows(rows, { page: 3, pageSize: 50, ...query });
const queries: Array<[string, Partial<DossierQuery>]> = [
  ['page of 50, no filter, by number', {}],
  ['page of 50, no filter, by -submittedAt', { sort: '-submittedAt' }],
  ['page of 50, status + département, by number', { status: 'submitted', departement: '69' }],
  ['page of 50, drafts included, by -requestedGrantCents', { includeDrafts: true, sort: '-requestedGrantCents' }],
  ['search "saint-etienne 12"', { q: 'saint-etienne 12' }],
  ['search by number "AAP-2026-004321"', { q: 'AAP-2026-004321' }],
  ['search by SIREN prefix "2100003"', { q: '2100003' }],
];

console.log(`${size} rows, same array`);
for (const [label, query] of queries) measure(label, page(query));
measure('counts', () => countRows(rows));
console.log(`${size} rows, a new array each time`);
for (const [label, query] of queries) measure(label, page(query), newArray);
measure('counts', () => countRows(rows), newArray);
console.log(`${size} new row objects each time`);
measure('search "saint-etienne 12" (every row folded)', page({ q: 'saint-etienne 12' }), newRows);
