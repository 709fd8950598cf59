import type { ApplicantKind, DossierStatus } from '@aap/contracts';
import { skipOf, type CountedPage, type Pagination, type SortOf } from '@aap/http';
import { foldForSearch, type DossierRow } from './dossier-row';

/**
 * The staff lists' queries, pure, over the rows of the index (dossier-row.ts): filter, search, sort,
 * page and count in memory. A call's rows are a few thousand compact objects already in the process,
 * so this costs milliseconds where the collection would be read whole (FerretDB pushes neither sort
 * nor limit down).
 */

export const DOSSIER_SORT_FIELDS = ['number', 'submittedAt', 'requestedGrantCents', 'createdAt', 'updatedAt'] as const;
export type DossierSortField = (typeof DOSSIER_SORT_FIELDS)[number];
export type DossierSort = SortOf<DossierSortField>;

export interface DossierFilter {
  status?: DossierStatus;
  waveId?: string;
  departement?: string;
  region?: string;
  applicantKind?: ApplicantKind;
  /** Drafts are hidden unless asked for (or filtered on: `status: 'draft'`). */
  includeDrafts?: boolean;
  /** An applicant's confinement to its own organisation. */
  organisationId?: string;
  /** Search words, see `searchWords`. */
  q?: string;
}

export interface DossierQuery extends DossierFilter, Pagination {
  sort?: DossierSort;
}

/** The words of a search as they are compared: folded (accents, case, punctuation), each to match the start of a word of the row. */
export const searchWords = (q: string): string[] => foldForSearch(q).split(' ').filter((word) => word !== '');

/**
 * The folded words of a row's number, organisation id, applicant name and title, as one string with a
 * space before each word: "the query word is a prefix of some word" is then one `includes(' ' + word)`.
 * Kept per row object: the index hands the same object until the row changes, so a row is folded once.
 */
const searchTexts = new WeakMap<DossierRow, string>();
function searchTextOf(row: DossierRow): string {
  let text = searchTexts.get(row);
  if (text === undefined) {
    text = ` ${foldForSearch(`${row.number ?? ''} ${row.organisationId} ${row.applicantName} ${row.title}`)}`;
    searchTexts.set(row, text);
  }
  return text;
}

/** Whether a row has a word starting with each of these (`' ' + word`, for each word `searchWords` gives). */
const hasWordsStarting = (row: DossierRow, starts: readonly string[]): boolean => {
  const text = searchTextOf(row);
  return starts.every((start) => text.includes(start));
};

/** What a filter other than the search reads of a row (an export line has the same fields). */
export type FilteredFields = Pick<DossierRow, 'status' | 'waveId' | 'applicantKind' | 'departements' | 'regions'> & { organisationId?: string };

/** The test of a filter's fields (drafts hidden unless asked), its constant parts worked out once for all the rows. */
export function fieldsFilterOf(filter: Omit<DossierFilter, 'q'>): (row: FilteredFields) => boolean {
  const { status, waveId, departement, region, applicantKind, organisationId } = filter;
  const drafts = filter.includeDrafts === true || status === 'draft';
  return (row) =>
    (drafts || row.status !== 'draft') &&
    (status === undefined || row.status === status) &&
    (waveId === undefined || row.waveId === waveId) &&
    (applicantKind === undefined || row.applicantKind === applicantKind) &&
    (organisationId === undefined || row.organisationId === organisationId) &&
    (departement === undefined || row.departements.includes(departement)) &&
    (region === undefined || row.regions.includes(region));
}

/** Whether a row has a word starting with each word of a search. */
function searchFilterOf(q: string): (row: DossierRow) => boolean {
  const starts = searchWords(q).map((word) => ` ${word}`);
  return (row) => hasWordsStarting(row, starts);
}

/** The test of a filter and its search. */
export function filterOf(filter: DossierFilter): (row: DossierRow) => boolean {
  const fields = fieldsFilterOf(filter);
  const search = filter.q === undefined ? undefined : searchFilterOf(filter.q);
  return (row) => fields(row) && (search === undefined || search(row));
}

/**
 * The order of a sort: the field's values compared as they are stored (receipt numbers and ISO 8601
 * UTC dates order as text, amounts as numbers), a missing value (a draft's number or submission date)
 * last whichever the direction, ties broken by dossier id so that pages never overlap.
 */
export function comparatorOf(sort: DossierSort): (a: DossierRow, b: DossierRow) => number {
  const descending = sort.startsWith('-');
  const field = (descending ? sort.slice(1) : sort) as DossierSortField;
  const direction = descending ? -1 : 1;
  return (a, b) => {
    const x = a[field];
    const y = b[field];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -direction : direction;
    }
    return a.dossierId < b.dossierId ? -1 : a.dossierId > b.dossierId ? 1 : 0;
  };
}

/**
 * Sorted copies of the rows of a call, per sort, kept as long as the index hands the same array: it
 * hands a new array when a row of the call changes, and never changes an array or a row it handed
 * out (both are read-only here). An array is copied and sorted only from its second query on, so an
 * array made for one query (the rows of several calls put together) costs no full sort.
 */
const sortedCopies = new WeakMap<readonly DossierRow[], Map<DossierSort, readonly DossierRow[]>>();
function sortedCopyOf(rows: readonly DossierRow[], sort: DossierSort): readonly DossierRow[] | undefined {
  const copies = sortedCopies.get(rows);
  if (copies === undefined) {
    sortedCopies.set(rows, new Map());
    return undefined;
  }
  let copy = copies.get(sort);
  if (copy === undefined) {
    copy = [...rows].sort(comparatorOf(sort));
    copies.set(sort, copy);
  }
  return copy;
}

/** The rows matching a filter, in a sort's order (a new array). */
export function selectRows(rows: readonly DossierRow[], filter: DossierFilter, sort: DossierSort = 'number'): DossierRow[] {
  const sorted = sortedCopyOf(rows, sort);
  return sorted ? sorted.filter(filterOf(filter)) : rows.filter(filterOf(filter)).sort(comparatorOf(sort));
}

/**
 * The rows of a sorted copy matching a filter's fields (not its search), kept beside the copy for the
 * filters last asked (at most `FILTERS_KEPT`): paging through a list, or ten staff on the same screen,
 * filter the call's rows once, not at every page. Dropped with the copy when a row of the call changes.
 */
const FILTERS_KEPT = 64;
const matchesOfCopies = new WeakMap<readonly DossierRow[], Map<string, readonly DossierRow[]>>();
function fieldsMatchingOf(sorted: readonly DossierRow[], filter: Omit<DossierFilter, 'q'>): readonly DossierRow[] {
  const { status, waveId, departement, region, applicantKind, includeDrafts, organisationId } = filter;
  const key = JSON.stringify([status, waveId, departement, region, applicantKind, includeDrafts, organisationId]);
  let matches = matchesOfCopies.get(sorted);
  if (matches === undefined) {
    matches = new Map();
    matchesOfCopies.set(sorted, matches);
  }
  let matching = matches.get(key);
  if (matching === undefined) {
    matching = sorted.filter(fieldsFilterOf(filter));
    if (matches.size >= FILTERS_KEPT) matches.delete(matches.keys().next().value!);
  } else {
    matches.delete(key); // most recently asked last
  }
  matches.set(key, matching);
  return matching;
}

/**
 * The search texts of a sorted copy's rows end to end, one line each, and where each row's starts: a
 * word's prefix is then found by `indexOf` over one string (a scan at memory speed, skipping the rows
 * without it), not by testing every row. Kept beside the copy; rows keep their folded text when the
 * copy is made again (`searchTextOf`), so a call that changed costs one join.
 */
interface CopyText {
  text: string;
  starts: Int32Array;
}
const textsOfCopies = new WeakMap<readonly DossierRow[], CopyText>();
function copyTextOf(sorted: readonly DossierRow[]): CopyText {
  let copyText = textsOfCopies.get(sorted);
  if (copyText === undefined) {
    const starts = new Int32Array(sorted.length);
    const lines: string[] = [];
    let offset = 0;
    sorted.forEach((row, at) => {
      const line = `${searchTextOf(row)}\n`;
      starts[at] = offset;
      lines.push(line);
      offset += line.length;
    });
    copyText = { text: lines.join(''), starts };
    textsOfCopies.set(sorted, copyText);
  }
  return copyText;
}

/** The position of the row whose line holds `offset` (the last start at or before it). */
function rowAt(starts: Int32Array, offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The rows of a sorted copy with a word starting with each word of a search, in the copy's order. */
function searchedRowsOf(sorted: readonly DossierRow[], q: string): DossierRow[] {
  const words = searchWords(q);
  if (words.length === 0) return [...sorted];
  // The longest word is the rarest, as a rule: the one looked for; the others tested on its rows only.
  const longest = words.reduce((a, b) => (b.length > a.length ? b : a));
  const needle = ` ${longest}`;
  const others = words.filter((word) => word !== longest).map((word) => ` ${word}`);
  const { text, starts } = copyTextOf(sorted);
  const found: DossierRow[] = [];
  for (let at = text.indexOf(needle); at !== -1; ) {
    const position = rowAt(starts, at);
    const row = sorted[position]!;
    if (hasWordsStarting(row, others)) found.push(row);
    at = position + 1 < starts.length ? text.indexOf(needle, starts[position + 1]) : -1;
  }
  return found;
}

/**
 * The `count` first rows in `compare`'s order, sorted: a bounded insertion that reads each row once
 * (a page near the start of a long list costs about one comparison per row, not a whole sort).
 */
export function firstInOrder(rows: readonly DossierRow[], count: number, compare: (a: DossierRow, b: DossierRow) => number): DossierRow[] {
  if (count <= 0) return [];
  if (count * 4 >= rows.length) return [...rows].sort(compare).slice(0, count);
  const first: DossierRow[] = [];
  for (const row of rows) {
    if (first.length === count && compare(row, first[count - 1]!) >= 0) continue;
    let low = 0;
    let high = first.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(first[middle]!, row) <= 0) low = middle + 1;
      else high = middle;
    }
    first.splice(low, 0, row);
    if (first.length > count) first.pop();
  }
  return first;
}

/** One page of the rows matching a query, and how many match (`total`). */
export function queryRows(rows: readonly DossierRow[], { page, pageSize, sort = 'number', ...filter }: DossierQuery): CountedPage<DossierRow> {
  const sorted = sortedCopyOf(rows, sort);
  const { q, ...fields } = filter;
  const matching = sorted ? (q === undefined ? fieldsMatchingOf(sorted, fields) : searchedRowsOf(sorted, q).filter(fieldsFilterOf(fields))) : rows.filter(filterOf(filter));
  const skip = skipOf({ page, pageSize });
  const ordered = sorted ? matching : firstInOrder(matching, skip + pageSize, comparatorOf(sort));
  return { items: ordered.slice(skip, skip + pageSize), page, pageSize, total: matching.length };
}

/** A call's dashboard figures. Drafts are counted apart: `total` and the breakdowns are of submitted dossiers, `byStatus` has `draft` too. */
export interface DossierCounts {
  total: number;
  drafts: number;
  byStatus: Record<string, number>;
  byDepartement: Record<string, number>;
  byRegion: Record<string, number>;
  byApplicantKind: Record<string, number>;
  /** The grants asked for: of every dossier but drafts (`total`), and per status (drafts included). */
  requestedGrantCents: { total: number; byStatus: Record<string, number> };
  /** The grants the committee gave (accepted dossiers). */
  grantedCents: number;
}

const add = (map: Record<string, number>, key: string, amount = 1) => {
  map[key] = (map[key] ?? 0) + amount;
};

/** The counts of an array of rows, kept as long as the index hands the same array (see `sortedCopies`); never to be changed. */
const countsOfRows = new WeakMap<readonly DossierRow[], Readonly<DossierCounts>>();

export function countRows(rows: readonly DossierRow[]): Readonly<DossierCounts> {
  let counts = countsOfRows.get(rows);
  if (counts === undefined) {
    counts = countOf(rows);
    countsOfRows.set(rows, counts);
  }
  return counts;
}

function countOf(rows: readonly DossierRow[]): DossierCounts {
  const counts: DossierCounts = {
    total: 0,
    drafts: 0,
    byStatus: {},
    byDepartement: {},
    byRegion: {},
    byApplicantKind: {},
    requestedGrantCents: { total: 0, byStatus: {} },
    grantedCents: 0,
  };
  for (const row of rows) {
    const requested = row.requestedGrantCents ?? 0;
    add(counts.byStatus, row.status);
    add(counts.requestedGrantCents.byStatus, row.status, requested);
    if (row.status === 'draft') {
      counts.drafts += 1;
      continue;
    }
    counts.total += 1;
    counts.requestedGrantCents.total += requested;
    counts.grantedCents += row.grantedCents ?? 0;
    for (const code of row.departements) add(counts.byDepartement, code);
    for (const code of row.regions) add(counts.byRegion, code);
    if (row.applicantKind !== null) add(counts.byApplicantKind, row.applicantKind);
  }
  return counts;
}

/** A row as the routes show it: without the version it was built from (the index's bookkeeping), its lists its own. */
export type DossierRowView = Omit<DossierRow, 'version' | 'departements' | 'regions'> & { departements: string[]; regions: string[] };
export const toRowView = ({ version: _version, departements, regions, ...view }: DossierRow): DossierRowView => ({ ...view, departements: [...departements], regions: [...regions] });
