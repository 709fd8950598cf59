import { describe, expect, it, vi } from 'vitest';
import Fastify from 'fastify';
import { csvOf, csvStream, sendCsv, type CsvColumn } from './csv';

interface Row {
  label: unknown;
  amountCents?: number;
}
const columns: CsvColumn<Row>[] = [
  { header: 'label', value: (row) => row.label },
  { header: 'amountCents', value: (row) => row.amountCents },
];
const BOM = '\uFEFF';

/** The cells of a CSV produced by csvOf, split back (no embedded separators in these cases). */
const linesOf = (csv: string) => csv.slice(BOM.length).split('\r\n').filter(Boolean);

describe('csvOf', () => {
  it('given rows, when writing, then a BOM, a header line and one CRLF-terminated line per row', () => {
    const csv = csvOf([{ label: 'Lyon', amountCents: 2_000_000 }], columns);
    expect(csv.startsWith(BOM)).toBe(true);
    expect(csv.slice(BOM.length)).toBe('label,amountCents\r\nLyon,2000000\r\n');
  });

  it.each(['=HYPERLINK("http://evil")', '+33 1 23', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'])(
    'given a text cell starting a formula (%j), when writing, then it is prefixed with a quote',
    (label) => {
      const [, line] = linesOf(csvOf([{ label }], columns));
      expect(line!.replace(/^"/, '').startsWith("'")).toBe(true);
    },
  );

  it('given the French delimiter, when writing, then cells are separated by semicolons and a comma inside a cell needs no quotes', () => {
    expect(csvOf([{ label: 'Lyon, Rhône', amountCents: 600_000 }], columns, { delimiter: ';' }).slice(BOM.length)).toBe('label;amountCents\r\nLyon, Rhône;600000\r\n');
  });

  it('given a negative number, when writing, then it keeps its sign (a number is never a formula)', () => {
    expect(linesOf(csvOf([{ label: 'recovery', amountCents: -1_500 }], columns))[1]).toBe('recovery,-1500');
  });

  it('given commas, quotes and line breaks, when writing, then the cell is quoted RFC 4180 style', () => {
    const csv = csvOf([{ label: 'a, "b"\nc' }], columns);
    expect(csv).toContain('"a, ""b""\nc",');
  });

  it.each(['a\nb', 'a\rb', 'a\r\nb'])('given a line break alone in a cell (%j), when writing, then the cell is quoted', (label) => {
    expect(csvOf([{ label }], columns).slice(BOM.length)).toBe(`label,amountCents\r\n"${label}",\r\n`);
  });

  it('given dates, objects and missing values, when writing, then ISO dates, JSON and empty cells', () => {
    const csv = csvOf([{ label: new Date('2026-01-02T03:04:05Z') }, { label: { kind: 'commune' } }, { label: null }], columns);
    expect(linesOf(csv).slice(1)).toEqual(['2026-01-02T03:04:05.000Z,', '"{""kind"":""commune""}",', ',']);
  });
});

describe('csvStream', () => {
  it('given rows not readable yet, when reading, then the BOM and the header come at once, and then every row', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let pulled = 0;
    async function* rows() {
      await gate;
      for (const label of ['Lyon', 'Rhône, 69']) {
        pulled++;
        yield { label, amountCents: 100 };
      }
    }
    const chunks = csvStream(rows(), columns)[Symbol.asyncIterator]();
    const first = await chunks.next();
    expect(String(first.value)).toBe(`${BOM}label,amountCents\r\n`);
    expect(pulled).toBe(0);
    open();
    let rest = '';
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) rest += String(next.value);
    expect(rest).toBe('Lyon,100\r\n"Rhône, 69",100\r\n');
    expect(pulled).toBe(2);
  });

  it('given the reader stops early, when the stream is destroyed, then the rows are ended (a cursor is closed)', async () => {
    let ended = false;
    async function* rows() {
      try {
        for (let i = 0; ; i++) yield { label: 'x'.repeat(1000), amountCents: i };
      } finally {
        ended = true;
      }
    }
    const stream = csvStream(rows(), columns);
    for await (const _ of stream) break;
    await vi.waitFor(() => expect(ended).toBe(true));
  });
});

describe('sendCsv', () => {
  it('given a file name with odd characters, when sending, then a UTF-8 CSV attachment with a safe name', async () => {
    const app = Fastify();
    app.get('/export', async (_request, reply) => sendCsv(reply, 'dossiers "2026"/été.csv', [{ label: 'x' }], columns));
    const response = await app.inject({ method: 'GET', url: '/export' });
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="dossiers__2026___t_.csv"');
    expect(response.body).toBe(`${BOM}label,amountCents\r\nx,\r\n`);
    await app.close();
  });
});
