import { describe, expect, it } from 'vitest';
import type { Dossier } from '../dossiers';
import { DOSSIER_EXPORT_COLUMNS, EXPORT_LINE_COLUMNS, exported, exportLineOf, type ExportLine } from './dossier-export';
import { storedDossier } from './testing';

/** A dossier state as the store gives it, from the fixture of a stored one. */
function dossierOf(n: number, overrides: Parameters<typeof storedDossier>[2] = {}): Dossier {
  const { _id, outbox: _outbox, outboxPending: _pending, ...fields } = storedDossier('call-1', n, overrides);
  return { ...(fields as unknown as Omit<Dossier, 'dossierId'>), dossierId: _id };
}
const lineOf = (dossier: Dossier) => JSON.parse(exportLineOf(dossier)) as ExportLine;
/** What a CSV or XLSX shows of a value: dates as ISO text, missing as nothing. */
const shown = (value: unknown) => (value === undefined || value === null ? null : JSON.parse(JSON.stringify(value)));

describe('the stored export line', () => {
  it('given a dossier with every part, when its line is stored and read back, then each cell shows what the column reads of the dossier', () => {
    const dossier = dossierOf(3, { status: 'accepted' });
    const line = lineOf(dossier);
    EXPORT_LINE_COLUMNS.forEach((column, i) => {
      expect(column.header).toBe(DOSSIER_EXPORT_COLUMNS[i]!.header);
      expect(shown(column.value(line))).toEqual(shown(DOSSIER_EXPORT_COLUMNS[i]!.value(dossier)));
    });
  });

  it('given a draft without applicant, project or budget, when its line is made, then the missing cells are empty', () => {
    const dossier = { ...dossierOf(6), applicant: undefined, project: {}, budget: {}, attachments: [], complementRequests: [], decision: undefined, number: undefined };
    const line = lineOf(dossier);
    expect(line).toMatchObject({ status: 'draft', applicantKind: null, departements: [], regions: [] });
    const cell = (header: string) => line.cells[DOSSIER_EXPORT_COLUMNS.findIndex((c) => c.header === header)];
    expect([cell('applicantName'), cell('title'), cell('eligibleCostCents'), cell('otherFundingTotalCents'), cell('decisionKind')]).toEqual([null, null, null, null, null]);
    expect([cell('attachmentCount'), cell('attachmentsTotalBytes')]).toEqual([0, 0]);
  });
});

describe('which lines an export keeps', () => {
  const line = (n: number, overrides: Parameters<typeof storedDossier>[2] = {}) => lineOf(dossierOf(n, overrides));

  it('given no filter, then every line but drafts; drafts with includeDrafts or status=draft', () => {
    expect(exported(line(0), {})).toBe(true);
    expect(exported(line(6), {})).toBe(false);
    expect(exported(line(6), { includeDrafts: true })).toBe(true);
    expect(exported(line(6), { status: 'draft' })).toBe(true);
    expect(exported(line(0), { status: 'draft', includeDrafts: true })).toBe(false);
  });

  it('given territory, kind and wave filters, then a line is kept only when it matches each of them', () => {
    // n = 3: accepted, départements 35 and 22 (région 53), kind scic, wave-2.
    const accepted = line(3);
    expect(exported(accepted, { departement: '22', region: '53', applicantKind: 'scic', waveId: 'wave-2', status: 'accepted' })).toBe(true);
    expect(exported(accepted, { departement: '69' })).toBe(false);
    expect(exported(accepted, { region: '84' })).toBe(false);
    expect(exported(accepted, { applicantKind: 'commune' })).toBe(false);
    expect(exported(accepted, { waveId: 'wave-1' })).toBe(false);
    expect(exported(accepted, { status: 'submitted' })).toBe(false);
  });
});
