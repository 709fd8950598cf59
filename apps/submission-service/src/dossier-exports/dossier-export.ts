import type { ApplicantKind, DossierStatus } from '@aap/contracts';
import type { CsvColumn } from '@aap/http';
import type { Dossier } from '../dossiers';
import { fieldsFilterOf, type DossierFilter } from '../dossier-index/dossier-queries';

/**
 * The export of a call's dossiers, pure: which dossiers a filter keeps and every column of a line.
 * One line per dossier; a list (other funding, attachments, complement requests, history) is one
 * cell holding a JSON array of its entries, so a line has the same columns whatever the dossier, and a
 * count or total beside it for the reader who only sums. Amounts are integer cents (columns `…Cents`),
 * dates ISO 8601 in UTC. The applicant's contacts are not exported (personal data the staff reach
 * through the organisation, not the dossier).
 */

/** The filters of the staff list, applied to the stream (the store filters only on `callId`, `status` and `waveId`). */
export type ExportFilter = Omit<DossierFilter, 'q' | 'organisationId'>;

/**
 * A dossier's line as the export read model keeps it (export-lines.store.ts): what the filters read,
 * and its cells in the order of `DOSSIER_EXPORT_COLUMNS`, as JSON keeps them (a date is its ISO text,
 * a missing value null) — which is what a CSV or XLSX cell shows of them anyway.
 */
export interface ExportLine {
  status: DossierStatus;
  waveId: string;
  applicantKind: ApplicantKind | null;
  departements: readonly string[];
  regions: readonly string[];
  cells: readonly unknown[];
}

/** The test of whether a line is exported: the staff list's filter, on the same fields. */
export const exportFilterOf = (filter: ExportFilter): ((line: ExportLine) => boolean) => fieldsFilterOf(filter);
export const exported = (line: ExportLine, filter: ExportFilter): boolean => exportFilterOf(filter)(line);

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const spaced = (codes: readonly string[] | undefined) => codes?.join(' ');

/** Every column of a line, in order. */
export const DOSSIER_EXPORT_COLUMNS: readonly CsvColumn<Dossier>[] = [
  { header: 'number', value: (d) => d.number },
  { header: 'dossierId', value: (d) => d.dossierId },
  { header: 'callId', value: (d) => d.callId },
  { header: 'waveId', value: (d) => d.waveId },
  { header: 'status', value: (d) => d.status },
  { header: 'organisationId', value: (d) => d.organisationId },
  { header: 'applicantName', value: (d) => d.applicant?.name },
  { header: 'applicantKind', value: (d) => d.applicant?.kind },
  { header: 'communeCode', value: (d) => d.applicant?.territory.communeCode },
  { header: 'departements', value: (d) => spaced(d.applicant?.territory.departements) },
  { header: 'regions', value: (d) => spaced(d.applicant?.territory.regions) },
  { header: 'groupementMemberSirens', value: (d) => spaced(d.applicant?.groupementMemberSirens) },
  { header: 'title', value: (d) => d.project.title },
  { header: 'summary', value: (d) => d.project.summary },
  { header: 'description', value: (d) => d.project.description },
  { header: 'startDate', value: (d) => d.project.startDate },
  { header: 'endDate', value: (d) => d.project.endDate },
  { header: 'beneficiaries', value: (d) => d.project.beneficiaries },
  { header: 'eligibleCostCents', value: (d) => d.budget.eligibleCostCents },
  { header: 'requestedGrantCents', value: (d) => d.budget.requestedGrantCents },
  { header: 'otherFundingTotalCents', value: (d) => d.budget.otherFunding && sum(d.budget.otherFunding.map((line) => line.amountCents)) },
  { header: 'otherFunding', value: (d) => d.budget.otherFunding?.map(({ kind, funder, amountCents }) => ({ kind, funder, amountCents })) },
  { header: 'attachmentCount', value: (d) => d.attachments.length },
  { header: 'attachmentsTotalBytes', value: (d) => sum(d.attachments.map((a) => a.sizeBytes)) },
  {
    header: 'attachments',
    value: (d) => d.attachments.map((a) => ({ documentType: a.documentType, fileName: a.fileName, contentType: a.contentType, sizeBytes: a.sizeBytes, sha256: a.sha256, uploadedAt: a.uploadedAt })),
  },
  { header: 'complementRequestCount', value: (d) => d.complementRequests.length },
  {
    header: 'complementRequests',
    value: (d) =>
      d.complementRequests.map((r) => ({ complementRequestId: r.complementRequestId, message: r.message, dueDate: r.dueDate, requestedAt: r.requestedAt, answeredAt: r.answeredAt, answer: r.answer })),
  },
  { header: 'decisionKind', value: (d) => d.decision?.kind },
  { header: 'decisionMotivation', value: (d) => d.decision?.motivation },
  { header: 'grantCents', value: (d) => d.decision?.grantCents },
  { header: 'decidedAt', value: (d) => d.decision && new Date(d.decision.at) },
  { header: 'contentHash', value: (d) => d.contentHash },
  { header: 'createdBy', value: (d) => d.createdBy },
  { header: 'createdAt', value: (d) => new Date(d.createdAt) },
  { header: 'submittedAt', value: (d) => d.submittedAt && new Date(d.submittedAt) },
  { header: 'updatedAt', value: (d) => new Date(d.updatedAt) },
  { header: 'history', value: (d) => d.history.map((h) => ({ status: h.status, at: h.at, by: h.by, note: h.note })) },
];

/** The line of a dossier, as stored (JSON text: one value for the store to decode, not one per field). */
export function exportLineOf(dossier: Dossier): string {
  const line: ExportLine = {
    status: dossier.status,
    waveId: dossier.waveId,
    applicantKind: dossier.applicant?.kind ?? null,
    departements: dossier.applicant?.territory.departements ?? [],
    regions: dossier.applicant?.territory.regions ?? [],
    cells: DOSSIER_EXPORT_COLUMNS.map((column) => column.value(dossier) ?? null),
  };
  return JSON.stringify(line);
}

/** The columns of an export read from stored lines: the same headers, each cell where `exportLineOf` put it. */
export const EXPORT_LINE_COLUMNS: readonly CsvColumn<ExportLine>[] = DOSSIER_EXPORT_COLUMNS.map((column, i) => ({ header: column.header, value: (line) => line.cells[i] }));
