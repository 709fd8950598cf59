import type { ApplicantKind, DossierStatus } from '@aap/contracts';
import { fnvBucket } from '@aap/service-runtime/buckets';
import type { Dossier } from '../dossiers/dossier';
import type { DossierRow } from './dossier-row';

/**
 * The staff lists' index, pure: a dossier's row (`rowOf`), how it is stored — one compact line per
 * dossier, lines joined by newlines in 64 buckets per call (dossier-index.store.ts) — and how a
 * bucket's lines are merged and read back. The committee's scoreboard is the model (scoreboard.ts).
 */

const iso = (date: Date | string) => new Date(date).toISOString();

/** The row of a dossier as stored now (drafts included: their number and submission date are null). */
export function rowOf(dossier: Dossier): DossierRow {
  const { applicant, decision } = dossier;
  return {
    dossierId: dossier.dossierId,
    number: dossier.number ?? null,
    callId: dossier.callId,
    waveId: dossier.waveId,
    status: dossier.status,
    organisationId: dossier.organisationId,
    applicantName: applicant?.name ?? '',
    applicantKind: applicant?.kind ?? null,
    departements: applicant?.territory.departements ?? [],
    regions: applicant?.territory.regions ?? [],
    title: dossier.project.title ?? '',
    requestedGrantCents: dossier.budget.requestedGrantCents ?? null,
    grantedCents: dossier.status === 'accepted' && decision?.grantCents !== undefined ? decision.grantCents : null,
    submittedAt: dossier.submittedAt ? iso(dossier.submittedAt) : null,
    createdAt: iso(dossier.createdAt),
    updatedAt: iso(dossier.updatedAt),
    version: dossier.version,
  };
}

/** Buckets per call: a write rewrites 1/64 of the call (≈ 160 lines at 10 000 dossiers). */
export const INDEX_BUCKETS = 64;

/** The dossier's bucket in its call (FNV-1a of its id): stable across processes and releases. */
export const bucketOf = (dossierId: string): number => fnvBucket(dossierId, INDEX_BUCKETS);

export const bucketId = (callId: string, bucket: number) => `${callId}:${bucket}`;

/**
 * One row's line: a JSON array by position (JSON escapes newlines inside strings, so a newline only
 * ever separates lines); the call is the bucket's, so it is not repeated:
 * `[dossierId, version, number, waveId, status, organisationId, applicantName, applicantKind,
 *   departements, regions, title, requestedGrantCents, grantedCents, submittedAt, createdAt, updatedAt]`.
 */
type Line = [
  dossierId: string,
  version: number,
  number: string | null,
  waveId: string,
  status: DossierStatus,
  organisationId: string,
  applicantName: string,
  applicantKind: ApplicantKind | null,
  departements: string[],
  regions: string[],
  title: string,
  requestedGrantCents: number | null,
  grantedCents: number | null,
  submittedAt: string | null,
  createdAt: string,
  updatedAt: string,
];

export function lineOf(row: DossierRow): string {
  const line: Line = [
    row.dossierId, row.version, row.number, row.waveId, row.status, row.organisationId, row.applicantName, row.applicantKind,
    [...row.departements], [...row.regions], row.title, row.requestedGrantCents, row.grantedCents, row.submittedAt, row.createdAt, row.updatedAt,
  ];
  return JSON.stringify(line);
}

const rowOfLine = (callId: string, line: Line): DossierRow => {
  const [dossierId, version, number, waveId, status, organisationId, applicantName, applicantKind, departements, regions, title, requestedGrantCents, grantedCents, submittedAt, createdAt, updatedAt] = line;
  return { dossierId, number, callId, waveId, status, organisationId, applicantName, applicantKind, departements, regions, title, requestedGrantCents, grantedCents, submittedAt, createdAt, updatedAt, version };
};

/** THE decoding of a bucket's lines into rows: one JSON.parse per bucket. Every reader of the index goes through it. */
export function rowsOfLines(callId: string, lines: string): DossierRow[] {
  if (lines === '') return [];
  return (JSON.parse(`[${lines.replaceAll('\n', ',')}]`) as Line[]).map((line) => rowOfLine(callId, line));
}

/** The id and version a line starts with, read without decoding the rest. */
function keyOf(line: string): { dossierId: string; version: number } {
  let end = 2; // past `["`
  while (line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
  return { dossierId: JSON.parse(line.slice(1, end + 1)) as string, version: Number(line.slice(end + 2, line.indexOf(',', end + 2))) };
}

/**
 * The bucket's lines with each given row's line put in — unchanged (the same string) when the bucket
 * already holds every one of them or a line from a later version of the dossier (a redelivered or
 * late refresh never brings an older row back). Rows of one dossier: the latest version wins.
 */
export function withRows(lines: string, rows: readonly DossierRow[]): string {
  const all = lines === '' ? [] : lines.split('\n');
  const at = new Map(all.map((line, i) => [keyOf(line).dossierId, i]));
  let changed = false;
  for (const row of rows) {
    const line = lineOf(row);
    const i = at.get(row.dossierId);
    if (i === undefined) {
      at.set(row.dossierId, all.push(line) - 1);
      changed = true;
      continue;
    }
    const stored = all[i]!;
    if (stored === line || keyOf(stored).version > row.version) continue;
    all[i] = line;
    changed = true;
  }
  return changed ? all.join('\n') : lines;
}
