import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { stringify } from 'csv-stringify/sync';

/** One column of a CSV export: its header and how to read its cell from a row. */
export interface CsvColumn<Row> {
  header: string;
  value: (row: Row) => unknown;
}

/** Leading characters a spreadsheet reads as the start of a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell as text: dates in ISO 8601, objects as JSON, and any text a spreadsheet would run as a formula quoted with '. */
function cellOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  // A number is data, never a formula: a negative amount keeps its sign.
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  const text = value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** How a CSV is written: `;` for exports read by French spreadsheets (where `,` is the decimal mark); `,` otherwise. */
export interface CsvOptions {
  delimiter?: ',' | ';';
}

/** RFC 4180 lines (CRLF, quoted when needed), with a BOM first when `bom` (the start of a file) so Excel reads it as UTF-8. */
function linesOf(records: unknown[][], options: CsvOptions, bom: boolean): string {
  // A line break of any kind inside a cell is quoted (RFC 4180), not only the CRLF that ends a record.
  return stringify(records, { bom, record_delimiter: 'windows', delimiter: options.delimiter ?? ',', quoted_match: /[\r\n]/ });
}

const headerOf = <Row>(columns: readonly CsvColumn<Row>[]) => columns.map((column) => column.header);
const recordOf = <Row>(row: Row, columns: readonly CsvColumn<Row>[]) => columns.map((column) => cellOf(column.value(row)));

/** RFC 4180 CSV (CRLF, quoted when needed) with a BOM so Excel reads it as UTF-8. */
export function csvOf<Row>(rows: Iterable<Row>, columns: readonly CsvColumn<Row>[], options: CsvOptions = {}): string {
  return linesOf([headerOf(columns), ...Array.from(rows, (row) => recordOf(row, columns))], options, true);
}

/** About this many characters of CSV lines are sent at once: fewer, larger writes than one per row, never much held. */
const CSV_CHUNK_CHARS = 64 * 1024;

/**
 * The same CSV as `csvOf`, as a stream read from `rows` as the reader asks for it: the BOM and the
 * header come first, before the first row is asked for (the first byte leaves at once), and a row is
 * pulled only when the reader wants more (backpressure: a slow client never makes the rows pile up).
 * Closing the stream early (the client went away) ends `rows` (its `return()`: a cursor is closed).
 */
export function csvStream<Row>(rows: AsyncIterable<Row>, columns: readonly CsvColumn<Row>[], options: CsvOptions = {}): Readable {
  async function* chunks() {
    yield linesOf([headerOf(columns)], options, true);
    let pending = '';
    for await (const row of rows) {
      pending += linesOf([recordOf(row, columns)], options, false);
      if (pending.length >= CSV_CHUNK_CHARS) {
        yield pending;
        pending = '';
      }
    }
    if (pending) yield pending;
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** Sends `body` as an attachment named `fileName` (anything but letters, digits, `.`, `_` and `-` becomes `_`). */
export function sendAttachment(reply: FastifyReply, fileName: string, contentType: string, body: string | Buffer | Readable): FastifyReply {
  const safeName = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
  return reply.type(contentType).header('content-disposition', `attachment; filename="${safeName}"`).send(body);
}

/** The media type of a CSV answer, as the OpenAPI document names it. */
export const CSV_MEDIA_TYPE = 'text/csv';
const CSV_CONTENT_TYPE = `${CSV_MEDIA_TYPE}; charset=utf-8`;

/** Sends rows as a CSV attachment named `fileName` (see `sendAttachment`). */
export function sendCsv<Row>(reply: FastifyReply, fileName: string, rows: Iterable<Row>, columns: readonly CsvColumn<Row>[], options: CsvOptions = {}): FastifyReply {
  return sendAttachment(reply, fileName, CSV_CONTENT_TYPE, csvOf(rows, columns, options));
}

/** Streams rows as a CSV attachment named `fileName` (see `csvStream` and `sendAttachment`). */
export function sendCsvStream<Row>(reply: FastifyReply, fileName: string, rows: AsyncIterable<Row>, columns: readonly CsvColumn<Row>[], options: CsvOptions = {}): FastifyReply {
  return sendAttachment(reply, fileName, CSV_CONTENT_TYPE, csvStream(rows, columns, options));
}
