import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { APPLICANT_KINDS, DOSSIER_STATUSES } from '@aap/contracts';
import type { Dossier } from '../dossiers/dossier';
import { bucketOf, INDEX_BUCKETS, lineOf, rowOf, rowsOfLines, withRows } from './dossier-lines';
import type { DossierRow } from './dossier-row';

const at = new Date('2026-03-10T09:00:00.000Z');
const draft: Dossier = {
  dossierId: 'd-1',
  callId: 'c-1',
  waveId: 'w-1',
  organisationId: '216901231',
  status: 'draft',
  project: {},
  budget: {},
  attachments: [],
  complementRequests: [],
  appliedEventIds: [],
  history: [],
  createdBy: 'agent',
  createdAt: at,
  updatedAt: at,
  version: 1,
};
const applicant = { organisationId: '216901231', name: 'Lyon', kind: 'commune' as const, territory: { departements: ['69'], regions: ['84'] }, contacts: [] };

describe('the row of a dossier', () => {
  it('a draft without applicant, project or budget: empty name and title, null number, kind, amounts and submission date', () => {
    expect(rowOf(draft)).toEqual({
      dossierId: 'd-1', number: null, callId: 'c-1', waveId: 'w-1', status: 'draft', organisationId: '216901231', applicantName: '', applicantKind: null,
      departements: [], regions: [], title: '', requestedGrantCents: null, grantedCents: null, submittedAt: null,
      createdAt: '2026-03-10T09:00:00.000Z', updatedAt: '2026-03-10T09:00:00.000Z', version: 1,
    });
  });

  it('an accepted dossier: its number, applicant, territory, title, amounts, the grant and dates', () => {
    const row = rowOf({
      ...draft, status: 'accepted', number: 'AAP-2026-000001', applicant, project: { title: 'Pass numérique' }, budget: { requestedGrantCents: 2_000_000, eligibleCostCents: 4_000_000 },
      submittedAt: new Date('2026-03-11T10:00:00+01:00'), decision: { kind: 'accepted', motivation: 'ok', grantCents: 1_500_000, at }, version: 7,
    });
    expect(row).toMatchObject({ number: 'AAP-2026-000001', applicantName: 'Lyon', applicantKind: 'commune', departements: ['69'], regions: ['84'], title: 'Pass numérique', requestedGrantCents: 2_000_000, grantedCents: 1_500_000, submittedAt: '2026-03-11T09:00:00.000Z', version: 7 });
  });

  it('a grant counts only while the dossier is accepted (a reopened decision has none)', () => {
    expect(rowOf({ ...draft, status: 'under-review', decision: { kind: 'accepted', motivation: 'ok', grantCents: 5, at } }).grantedCents).toBeNull();
  });
});

const text = fc.string({ unit: 'grapheme', maxLength: 30 });
const isoDate = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString());
const rowArbitrary: fc.Arbitrary<DossierRow> = fc.record({
  dossierId: fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 20 })),
  number: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
  callId: fc.constant('c-1'),
  waveId: text,
  status: fc.constantFrom(...DOSSIER_STATUSES),
  organisationId: fc.stringMatching(/^\d{9}$/),
  applicantName: text,
  applicantKind: fc.option(fc.constantFrom(...APPLICANT_KINDS), { nil: null }),
  departements: fc.array(fc.stringMatching(/^\d{2,3}$/), { maxLength: 3 }),
  regions: fc.array(fc.stringMatching(/^\d{2}$/), { maxLength: 3 }),
  title: fc.string({ maxLength: 200 }),
  requestedGrantCents: fc.option(fc.nat(), { nil: null }),
  grantedCents: fc.option(fc.nat(), { nil: null }),
  submittedAt: fc.option(isoDate, { nil: null }),
  createdAt: isoDate,
  updatedAt: isoDate,
  version: fc.integer({ min: 1, max: 1_000_000 }),
});

describe('the compact lines of a bucket', () => {
  it('any rows, newlines and quotes in their text included, read back as they were written', () => {
    fc.assert(
      fc.property(fc.uniqueArray(rowArbitrary, { selector: (row) => row.dossierId, maxLength: 20 }), (rows) => {
        const lines = withRows('', rows);
        expect(lines.split('\n').filter(Boolean)).toHaveLength(rows.length);
        expect(rowsOfLines('c-1', lines)).toEqual(rows);
        expect(rowsOfLines('c-1', lines.split('\n').slice(0, 1).join(''))).toEqual(rows.slice(0, 1));
      }),
    );
  });

  it('a row never goes back to an older version, whatever order the refreshes come in (the latest version wins)', () => {
    fc.assert(
      fc.property(rowArbitrary, fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), text), { minLength: 1, maxLength: 10 }), (base, versions) => {
        const rows = versions.map(([version, title]) => ({ ...base, version, title }));
        let lines = '';
        for (const row of rows) lines = withRows(lines, [row]);
        const latest = Math.max(...versions.map(([version]) => version));
        const [stored] = rowsOfLines('c-1', lines);
        expect(stored!.version).toBe(latest);
        // The same refresh again changes nothing (the same string: no write).
        expect(withRows(lines, [stored!])).toBe(lines);
        expect(withRows(lines, rows)).toBe(lines);
      }),
    );
  });

  it('a line is a JSON array starting with the dossier id and its version', () => {
    const row = rowOf(draft);
    expect(JSON.parse(lineOf(row)).slice(0, 2)).toEqual(['d-1', 1]);
  });

  it('bucket numbers are stable and within the 64 buckets', () => {
    expect(bucketOf('d-1')).toBe(bucketOf('d-1'));
    fc.assert(fc.property(fc.string(), (id) => bucketOf(id) >= 0 && bucketOf(id) < INDEX_BUCKETS));
  });
});
