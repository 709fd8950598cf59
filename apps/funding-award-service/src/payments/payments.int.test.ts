import { randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { callOf, financeActors, ok } from '../finance-views.fixtures';
import { LYON, useFundingAward } from '../int-fixtures';
import { PAYMENTS_SHEET } from './payments.export';

/**
 * The payments export on the real broker and FerretDB: an award with its advance and an interim
 * payment paid (and a third tranche validated, not paid) → two lines, with the exact values the
 * State's accounting system reads, in CSV and in an XLSX read back from its zip.
 */

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env);
const { beneficiary, finance, readyAward, pay: payThrough, publishCall } = financeActors(env, api, publisher);

/** The files of a zip (stored or deflated), by name: enough of the format to read an XLSX back. */
function unzip(zip: Buffer): Record<string, string> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const files: Record<string, string> = {};
  let entry = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const [method, size, nameLength, extra, comment, local] = [10, 20, 28, 30, 32, 42].map((at) => (at === 20 || at === 42 ? zip.readUInt32LE(entry + at) : zip.readUInt16LE(entry + at))) as number[];
    const name = zip.toString('utf8', entry + 46, entry + 46 + nameLength!);
    const start = local! + 30 + zip.readUInt16LE(local! + 26) + zip.readUInt16LE(local! + 28);
    const data = zip.subarray(start, start + size!);
    files[name] = (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    entry += 46 + nameLength! + extra! + comment!;
  }
  return files;
}

/** The first sheet's rows as values: shared strings resolved, numbers as numbers. */
function sheetRows(files: Record<string, string>): Array<Array<string | number>> {
  const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const strings = [...(files['xl/sharedStrings.xml'] ?? '').matchAll(/<si><t[^>]*>([\s\S]*?)<\/t><\/si>/g)].map((m) => unescape(m[1]!));
  return [...files['xl/worksheets/sheet1.xml']!.matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)].map((row) =>
    [...row[1]!.matchAll(/<c r="[A-Z]+\d+"([^>]*)>(?:<v>([^<]*)<\/v>)?<\/c>/g)].map(([, attributes, value]) => (attributes!.includes('t="s"') ? strings[Number(value)]! : Number(value))),
  );
}

/** An Excel date serial as an ISO date (days since 1899-12-30). */
const dateOfSerial = (serial: number) => new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000).toISOString().slice(0, 10);

describe('the payments export of a call', () => {
  it('given two paid tranches and one not paid, then one line per payment with the exact values, in CSV and XLSX', async () => {
    const callId = `call-payments-${randomUUID()}`;
    const call = callOf(callId, 10_000_000);
    await publishCall(call);
    const { awardId, bankDetailsId } = await readyAward({ call });
    const pay = (trancheId: string, paymentReference: string, paidOn: string) => payThrough(awardId, trancheId, { paymentReference, paidOn });
    const advance = ok(await beneficiary().post(`/awards/${awardId}/tranches/advance`, {})).tranches.at(-1).trancheId;
    await pay(advance, 'CHORUS-2026-0001', '2026-12-05');
    const expenses = [{ supplier: 'Emmaüs Connect', date: '2026-12-10', amountCents: 2_400_123, category: 'equipment' }];
    const interim = ok(await beneficiary().post(`/awards/${awardId}/tranches/interim`, { amountCents: 100_061, expenses })).tranches.at(-1).trancheId;
    await pay(interim, '=CHORUS-2026-0002', '2026-12-20');
    const third = ok(await beneficiary().post(`/awards/${awardId}/tranches/interim`, { amountCents: 50_000, expenses })).tranches.at(-1).trancheId;
    ok(await finance(1).post(`/awards/${awardId}/tranches/${third}/validate`, {}));

    // What the award holds of its accounting fields (the legal commitment, the programme line and the beneficiary's name, once recorded).
    const award = (await env.database('funding-award').collection('awards').findOne({ _id: awardId as never }))!;
    const [commitment, line, name] = [award.legalCommitment?.number, award.funding?.budgetProgrammeLine, award.beneficiary?.name].map((v) => (v as string | undefined) ?? '');

    const csv = await eventually(async () => {
      const answer = await finance(3).get(`/calls/${callId}/payments.csv`);
      expect(answer.status).toBe(200);
      const text = answer.bytes.toString('utf8');
      expect(text.slice(1).trimEnd().split('\r\n')).toHaveLength(3);
      return { answer, text };
    });
    expect(csv.answer.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.answer.headers['content-disposition']).toBe(`attachment; filename="paiements-${callId}.csv"`);
    expect(csv.text.startsWith('\uFEFF')).toBe(true);
    const [header, ...lines] = csv.text.slice(1).trimEnd().split('\r\n');
    expect(header).toBe('Engagement juridique;Ligne budgétaire (programme);SIRET bénéficiaire;Bénéficiaire;IBAN (masqué);Coordonnées bancaires (réf.);Montant (€);Tranche;Référence du paiement;Date de paiement;Dossier;Tranche (id)');
    expect(lines).toEqual([
      [commitment, line, LYON, name, 'FR76 **** 0189', bankDetailsId, '6000,00', 'avance', 'CHORUS-2026-0001', '2026-12-05', 'AAP-2027-000042', advance].join(';'),
      [commitment, line, LYON, name, 'FR76 **** 0189', bankDetailsId, '1000,61', 'acompte', "'=CHORUS-2026-0002", '2026-12-20', 'AAP-2027-000042', interim].join(';'),
    ]);

    const xlsx = await api().as('admin').get(`/calls/${callId}/payments.xlsx`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const files = unzip(xlsx.bytes);
    expect(files['xl/workbook.xml']).toContain(`name="${PAYMENTS_SHEET}"`);
    const [xlsxHeader, ...rows] = sheetRows(files);
    expect(xlsxHeader).toEqual(header!.split(';'));
    const cells = (amount: number, kind: string, reference: string, serialOf: string, trancheId: string) =>
      [...(commitment ? [commitment] : []), ...(line ? [line] : []), LYON, ...(name ? [name] : []), 'FR76 **** 0189', bankDetailsId, amount, kind, reference, serialOf, 'AAP-2027-000042', trancheId];
    expect(rows.map((row) => row.map((cell, i) => (i === row.length - 3 ? dateOfSerial(cell as number) : cell)))).toEqual([
      cells(6000, 'avance', 'CHORUS-2026-0001', '2026-12-05', advance),
      cells(1000.61, 'acompte', '=CHORUS-2026-0002', '2026-12-20', interim),
    ]);

    expect((await beneficiary().get(`/calls/${callId}/payments.csv`)).status).toBe(403);
    expect((await finance(1).get(`/calls/${randomUUID()}/payments.xlsx`)).status).toBe(404);
  });
});
