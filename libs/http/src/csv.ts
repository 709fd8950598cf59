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

/** RFC 4180 CSV (CRLF, quoted when needed) with a BOM so Excel reads it as UTF-8. */
export function csvOf<Row>(rows: Iterable<Row>, columns: readonly CsvColumn<Row>[], options: CsvOptions = {}): string {
  const records = [columns.map((column) => column.header), ...Array.from(rows, (row) => columns.map((column) => cellOf(column.value(row))))];
  return stringify(records, { bom: true, record_delimiter: 'windows', delimiter: options.delimiter ?? ',' });
}

/** Sends `body` as an attachment named `fileName` (anything but letters, digits, `.`, `_` and `-` becomes `_`). */
export function sendAttachment(reply: FastifyReply, fileName: string, contentType: string, body: string | Buffer): FastifyReply {
  const safeName = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
  return reply.type(contentType).header('content-disposition', `attachment; filename="${safeName}"`).send(body);
}

/** Sends rows as a CSV attachment named `fileName` (see `sendAttachment`). */
export function sendCsv<Row>(reply: FastifyReply, fileName: string, rows: Iterable<Row>, columns: readonly CsvColumn<Row>[], options: CsvOptions = {}): FastifyReply {
  return sendAttachment(reply, fileName, 'text/csv; charset=utf-8', csvOf(rows, columns, options));
}
