import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import ExcelJS from 'exceljs';
import { sendAttachment, type CsvColumn } from './csv';

/** Excel refuses a cell of more than 32 767 characters; a longer text is cut there with this mark (the CSV has it whole). */
export const XLSX_CELL_MAX_CHARS = 32_767;
const CUT_MARK = '…';

/**
 * A cell as the sheet keeps it: numbers stay numbers, dates ISO 8601 text (UTC, the same as the CSV),
 * objects JSON. A text cell is never a formula in XLSX (it is written as a string), so it keeps what
 * was typed, leading `=` included.
 */
function sheetCellOf(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  const text = value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > XLSX_CELL_MAX_CHARS ? text.slice(0, XLSX_CELL_MAX_CHARS - CUT_MARK.length) + CUT_MARK : text;
}

/** Rows between two looks at the output: the rows' XML goes through the zip's deflate before it reaches it. */
const ROWS_PER_LOOK = 32;

/** Resolves once `stream` may be written again, or is gone (the client went away). */
function writable(stream: Writable): Promise<void> {
  if (!stream.writableNeedDrain || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/**
 * One sheet of `rows` (a header line, then a line per row) as an XLSX file written as it goes
 * (exceljs' streaming writer, inline strings, no styles: nothing of the rows is kept once written).
 * The zip starts at once; a row is pulled only while the output keeps up (backpressure: with a slow
 * client the rows wait in the source, not in memory). Closing the stream early ends `rows`.
 */
export function xlsxStream<Row>(rows: AsyncIterable<Row>, columns: readonly CsvColumn<Row>[], options: { sheetName?: string } = {}): Readable {
  const out = new PassThrough();
  // Fast deflate: exceljs hands the zip its rows without waiting for the deflate, so a slow one lets them pile up in memory.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false, zip: { zlib: { level: 1 } } });
  const sheet = workbook.addWorksheet(options.sheetName ?? 'Sheet1');
  const write = async () => {
    sheet.addRow(columns.map((column) => column.header)).commit();
    let sinceLook = 0;
    for await (const row of rows) {
      if (out.destroyed) return;
      sheet.addRow(columns.map((column) => sheetCellOf(column.value(row)))).commit();
      if (++sinceLook === ROWS_PER_LOOK) {
        sinceLook = 0;
        // Let the zip and the socket take what was written before pulling more.
        await new Promise(setImmediate);
        await writable(out);
      }
    }
    sheet.commit();
    await workbook.commit();
  };
  write().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Streams rows as an XLSX attachment named `fileName` (see `xlsxStream` and `sendAttachment`). */
export function sendXlsxStream<Row>(reply: FastifyReply, fileName: string, rows: AsyncIterable<Row>, columns: readonly CsvColumn<Row>[], options: { sheetName?: string } = {}): FastifyReply {
  return sendAttachment(reply, fileName, XLSX_CONTENT_TYPE, xlsxStream(rows, columns, options));
}
