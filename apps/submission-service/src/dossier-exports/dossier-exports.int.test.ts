import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { authHeaders, eventually, useTestEnvironment } from '@aap/test-harness';
import type { RunningService } from '@aap/service-runtime';
import { service } from '../service';
import { createPublishedCall } from '../calls/testing';
import { DOSSIER_EXPORT_READ_CHANNEL } from './index';
import { storedDossier, type StoredDossierFixture } from './testing';

const env = useTestEnvironment();
const manager = () => authHeaders({ roles: ['programme-manager'] });

let submission: RunningService;
let callId: string;

const dossiers = () => env.database('submission').collection<StoredDossierFixture>('dossiers');

type Line = Record<string, string | number | null>;

/** The lines of an export, each keyed by its column's header (the CSV parsed by exceljs' CSV reader, cells kept as text). */
async function csvLines(text: string): Promise<Line[]> {
  const sheet = await new ExcelJS.Workbook().csv.read(Readable.from([text]), { map: (value: unknown) => value } as never);
  return linesOf(sheet);
}

async function xlsxLines(bytes: ArrayBuffer): Promise<{ lines: Line[]; sheet: ExcelJS.Worksheet }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as never);
  const sheet = workbook.worksheets[0]!;
  return { lines: linesOf(sheet), sheet };
}

function linesOf(sheet: ExcelJS.Worksheet): Line[] {
  const rows: (string | number | null)[][] = [];
  sheet.eachRow((row) => rows.push((row.values as (string | number | null)[]).slice(1)));
  const [header, ...body] = rows;
  return body.map((cells) => Object.fromEntries(header!.map((name, i) => [String(name), cells[i] ?? null])));
}

async function exported(format: 'csv' | 'xlsx', query = '', headers?: Record<string, string>) {
  return fetch(`${submission.url}/calls/${callId}/dossiers.${format}${query}`, { headers: headers ?? (await manager()) });
}
const csvOf = async (query = '') => csvLines(await (await exported('csv', query)).text());
const idsOf = (lines: Line[]) => lines.map((line) => line.dossierId).sort();

let waveId: string;

beforeAll(async () => {
  submission = await env.startService(service);
  const published = await createPublishedCall(submission.url);
  callId = published.callId;
  waveId = published.waves[0]!.waveId;
  // Dossiers stored before the call's first export (legacy data, as a seeded database has): that export reads them, later ones their lines.
  await dossiers().insertOne(everyFieldDossier());
  await dossiers().insertMany(
    FORMULAS.map((title, i) =>
      storedDossier(callId, 100 + i, { _id: `formula-${i}`, status: 'submitted', project: { title, summary: 's', description: 'd', startDate: '2026-06-01', endDate: '2027-05-31' } }),
    ),
  );
});

const everyFieldDossier = () =>
  storedDossier(callId, 1, {
    _id: 'every-field',
    status: 'accepted',
    project: { title: 'Tiers-lieu « La Fabrique », Saint-Étienne', summary: 'Résumé, avec "guillemets"\net un saut de ligne', description: 'Description longue', startDate: '2026-06-01', endDate: '2027-05-31', beneficiaries: '60 %' },
    decision: { kind: 'accepted', motivation: 'Conforme', grantCents: 1_800_000, at: new Date('2026-05-02T10:00:00Z') },
  });

const FORMULAS = ['=HYPERLINK("http://evil.example")', '+33 1 23', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'];

describe('every field of every dossier', () => {
  const dossier = everyFieldDossier;
  const expected = (doc: StoredDossierFixture) => {
    const d = doc as ReturnType<typeof storedDossier> & Record<string, never>;
    const json = (value: unknown) => JSON.stringify(value);
    return {
      number: d.number,
      dossierId: d._id,
      callId,
      waveId: d.waveId,
      status: 'accepted',
      organisationId: d.organisationId,
      applicantName: 'Collectivité 1',
      applicantKind: 'epci',
      communeCode: '13055',
      departements: '13',
      regions: '93',
      groupementMemberSirens: null,
      title: 'Tiers-lieu « La Fabrique », Saint-Étienne',
      summary: 'Résumé, avec "guillemets"\net un saut de ligne',
      description: 'Description longue',
      startDate: '2026-06-01',
      endDate: '2027-05-31',
      beneficiaries: '60 %',
      eligibleCostCents: 4_000_001,
      requestedGrantCents: 2_000_000,
      otherFundingTotalCents: 2_000_001,
      otherFunding: json([
        { kind: 'own-contribution', funder: 'Ville', amountCents: 1_500_001 },
        { kind: 'region', funder: 'Région', amountCents: 500_000 },
      ]),
      attachmentCount: 2,
      attachmentsTotalBytes: 168_001,
      attachments: json([
        { documentType: 'deliberation', fileName: 'deliberation-1.pdf', contentType: 'application/pdf', sizeBytes: 120_001, sha256: 'a'.repeat(64), uploadedAt: '2026-03-01T00:01:00.000Z' },
        { documentType: 'budget-plan', fileName: 'budget-plan-1.pdf', contentType: 'application/pdf', sizeBytes: 48_000, sha256: 'a'.repeat(64), uploadedAt: '2026-03-01T00:01:00.000Z' },
      ]),
      complementRequestCount: 1,
      complementRequests: json([
        { complementRequestId: 'cr-1', message: 'Merci de joindre la délibération signée', dueDate: '2026-04-01', requestedAt: '2026-03-01T00:01:00.000Z', answeredAt: '2026-03-01T00:01:00.000Z', answer: 'Jointe' },
      ]),
      decisionKind: 'accepted',
      decisionMotivation: 'Conforme',
      grantCents: 1_800_000,
      decidedAt: '2026-05-02T10:00:00.000Z',
      contentHash: 'b'.repeat(64),
      createdBy: `agent-${d.organisationId}`,
      createdAt: '2026-03-01T00:01:00.000Z',
      submittedAt: '2026-03-01T00:01:00.000Z',
      updatedAt: '2026-03-01T00:01:00.000Z',
      history: json([
        { status: 'draft', at: '2026-03-01T00:01:00.000Z', by: `agent-${d.organisationId}` },
        { status: 'submitted', at: '2026-03-01T00:01:00.000Z', by: `agent-${d.organisationId}` },
      ]),
    };
  };

  it('the CSV has a BOM, RFC 4180 quoting and every field of the dossier, amounts in cents', async () => {
    const doc = dossier();
    const response = await exported('csv');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="dossiers-${callId}.csv"`);
    const bytes = Buffer.from(await response.arrayBuffer());
    // The BOM is on the wire (fetch's text() would drop it).
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = bytes.toString('utf8');
    expect(text).toContain('"Résumé, avec ""guillemets""\net un saut de ligne"');
    const line = (await csvLines(text)).find((l) => l.dossierId === 'every-field')!;
    // The CSV is text: numbers read back as their digits, missing values as empty cells.
    const asText = Object.fromEntries(Object.entries(expected(doc)).map(([name, value]) => [name, value === null ? '' : String(value)]));
    expect(line).toEqual(asText);
  });

  it('the XLSX has the same columns, numbers as numbers', async () => {
    const response = await exported('xlsx');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="dossiers-${callId}.xlsx"`);
    const { lines } = await xlsxLines(await response.arrayBuffer());
    expect(lines.find((l) => l.dossierId === 'every-field')).toEqual(expected(dossier()));
  });
});

describe('a cell a spreadsheet would run as a formula', () => {
  it('is neutralised in the CSV with a leading apostrophe, and is plain text in the XLSX', async () => {
    const formulas = FORMULAS;
    const csv = await csvOf();
    const xlsx = await xlsxLines(await (await exported('xlsx')).arrayBuffer());
    formulas.forEach((title, i) => {
      expect(csv.find((l) => l.dossierId === `formula-${i}`)!.title).toBe(`'${title}`);
      // A lone CR reads back as a line feed: XML normalises line ends.
      expect(xlsx.lines.find((l) => l.dossierId === `formula-${i}`)!.title).toBe(title.replace('\r', '\n'));
    });
    // Nothing in the sheet is a formula.
    xlsx.sheet.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));
  });
});

describe('filters, as the staff list has them', () => {
  let filterCall: string;
  const ids = async (query: string) => idsOf(await csvLines(await (await fetch(`${submission.url}/calls/${filterCall}/dossiers.csv${query}`, { headers: await manager() })).text()));
  const xlsxIds = async (query: string) => idsOf((await xlsxLines(await (await fetch(`${submission.url}/calls/${filterCall}/dossiers.xlsx${query}`, { headers: await manager() })).arrayBuffer())).lines);

  beforeAll(async () => {
    filterCall = (await createPublishedCall(submission.url)).callId;
    // 16 dossiers: statuses cycle over 8 (n = 6 and 14 are drafts), territories over 4, kinds over 5, wave-2 when n % 3 = 0.
    await dossiers().insertMany(Array.from({ length: 16 }, (_, n) => storedDossier(filterCall, n, { _id: `f${n}` }, 2025)));
    // Another call's dossier is never exported.
    await dossiers().insertOne(storedDossier(callId, 0, { _id: 'other-call' }));
  });
  const expectIds = (ns: number[]) => ns.map((n) => `f${n}`).sort();
  const all = Array.from({ length: 16 }, (_, n) => n);

  it('drafts are left out unless includeDrafts=true or status=draft', async () => {
    expect(await ids('')).toEqual(expectIds(all.filter((n) => n % 8 !== 6)));
    expect(await ids('?includeDrafts=false')).toEqual(expectIds(all.filter((n) => n % 8 !== 6)));
    expect(await ids('?includeDrafts=true')).toEqual(expectIds(all));
    expect(await ids('?status=draft')).toEqual(expectIds([6, 14]));
  });

  it('status, wave, département, région and applicant kind, alone and together, in CSV and XLSX', async () => {
    expect(await ids('?status=accepted')).toEqual(expectIds([3, 11]));
    expect(await ids('?waveId=wave-2')).toEqual(expectIds([0, 3, 9, 12, 15]));
    expect(await ids('?departement=22')).toEqual(expectIds([3, 7, 11, 15]));
    expect(await ids('?region=84')).toEqual(expectIds([0, 4, 8, 12]));
    expect(await ids('?applicantKind=association&includeDrafts=true')).toEqual(expectIds([2, 7, 12]));
    expect(await ids('?region=84&waveId=wave-2&status=submitted')).toEqual(expectIds([0]));
    expect(await xlsxIds('?departement=22&status=accepted')).toEqual(expectIds([3, 11]));
    expect(await xlsxIds('?includeDrafts=true')).toEqual(expectIds(all));
  });

  it('a filter that is not one is a 400 naming it', async () => {
    const response = await fetch(`${submission.url}/calls/${filterCall}/dossiers.csv?status=approved&includeDrafts=yes`, { headers: await manager() });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as { errors: { name: string }[] }).errors.map((e) => e.name).sort()).toEqual(['includeDrafts', 'status']);
  });
});

describe('the export read model', () => {
  it('a dossier written after the call’s first export is in the next export, as last written', async () => {
    expect((await exported('csv')).status).toBe(200);
    const org = '216901231';
    const applicant = await authHeaders({ sub: `agent-${org}`, roles: ['applicant'], org });
    const registered = await fetch(`${submission.url}/organisations`, {
      method: 'POST',
      headers: applicant,
      body: JSON.stringify({ kind: 'commune', siren: org, contacts: [{ name: 'Service numérique', email: 'numerique@example.fr' }] }),
    });
    expect([201, 409]).toContain(registered.status);
    const draft = await fetch(`${submission.url}/dossiers`, { method: 'POST', headers: applicant, body: JSON.stringify({ callId, waveId }) });
    expect(draft.status).toBe(201);
    const { dossierId } = (await draft.json()) as { dossierId: string };
    const edited = await fetch(`${submission.url}/dossiers/${dossierId}/project`, { method: 'PATCH', headers: applicant, body: JSON.stringify({ title: 'Écrit après l’export' }) });
    expect(edited.status).toBe(200);
    await eventually(async () => {
      const line = (await csvOf('?includeDrafts=true')).find((l) => l.dossierId === dossierId);
      expect(line).toMatchObject({ status: 'draft', title: 'Écrit après l’export', applicantName: 'Lyon', organisationId: org });
    });
    expect((await csvOf()).map((l) => l.dossierId)).not.toContain(dossierId);
  });
});

describe('who may export', () => {
  it('the call’s team and admins; another call’s team gets a 404, reviewers and applicants a 403', async () => {
    for (const format of ['csv', 'xlsx'] as const) {
      const as = async (claims: Parameters<typeof authHeaders>[0]) => (await exported(format, '', await authHeaders(claims))).status;
      expect(await as({ roles: ['programme-manager'] })).toBe(200);
      expect(await as({ roles: ['committee'] })).toBe(200);
      expect(await as({ roles: ['finance'] })).toBe(200);
      expect(await as({ sub: 'some-admin', roles: ['admin'] })).toBe(200);
      expect(await as({ sub: 'manager-of-another-call', roles: ['programme-manager'] })).toBe(404);
      expect(await as({ roles: ['reviewer'] })).toBe(403);
      expect(await as({ sub: 'agent-216901231', roles: ['applicant'], org: '216901231' })).toBe(403);
      const unknown = await fetch(`${submission.url}/calls/no-such-call/dossiers.${format}`, { headers: await manager() });
      expect(unknown.status).toBe(404);
    }
  });
});

describe('a big call streams', () => {
  const SIZE = 2_000;
  let bigCall: string;
  beforeAll(async () => {
    bigCall = (await createPublishedCall(submission.url)).callId;
    for (let from = 0; from < SIZE; from += 500) {
      await dossiers().insertMany(Array.from({ length: 500 }, (_, i) => storedDossier(bigCall, from + i, { status: 'submitted' }, 2024)));
    }
  });

  // The first export reads the dossiers themselves (and writes their lines), the second their lines.
  it.each(['csv', 'xlsx'] as const)('the %s’s first bytes arrive before the server has read the last dossier, and every dossier comes', async (format) => {
    let read = 0;
    const onRead = (message: unknown) => {
      const progress = message as { callId: string; read: number };
      if (progress.callId === bigCall) read = progress.read;
    };
    subscribe(DOSSIER_EXPORT_READ_CHANNEL, onRead);
    try {
      const response = await fetch(`${submission.url}/calls/${bigCall}/dossiers.${format}`, { headers: await manager() });
      const reader = response.body!.getReader();
      const first = await reader.read();
      const readWhenFirstBytesCame = read;
      expect(first.done).toBe(false);
      expect(readWhenFirstBytesCame).toBeLessThan(SIZE);
      const chunks = [Buffer.from(first.value!)];
      for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(Buffer.from(next.value));
      expect(read).toBe(SIZE);
      const body = Buffer.concat(chunks);
      const lines = format === 'csv' ? await csvLines(body.toString('utf8')) : (await xlsxLines(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer)).lines;
      expect(lines).toHaveLength(SIZE);
      expect(new Set(lines.map((l) => l.dossierId)).size).toBe(SIZE);
    } finally {
      unsubscribe(DOSSIER_EXPORT_READ_CHANNEL, onRead);
    }
  });
});
