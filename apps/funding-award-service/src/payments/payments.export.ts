import writeXlsxFile, { type Row, type SheetData } from 'write-excel-file/node';
import { csvOf, type CsvColumn, type CsvOptions } from '@aap/http';
import { eurosOf, PAYMENT_COLUMNS, type PaymentRow } from './payment-rows';

/**
 * The payments export as files: CSV for French spreadsheets (UTF-8 with BOM, `;` between cells,
 * amounts as `6000,00`; a text cell starting a formula is neutralised by `csvOf`) and XLSX (amounts
 * as numbers in euros with two decimals, dates as dates).
 */

/** The CSV's columns: the export's, amounts as euros with the French decimal mark. */
export const PAYMENT_CSV_COLUMNS: readonly CsvColumn<PaymentRow>[] = PAYMENT_COLUMNS.map(({ header, cell, value }) => ({
  header,
  value: (row: PaymentRow) => {
    const raw = value(row);
    return cell === 'cents' && typeof raw === 'number' ? eurosOf(raw) : raw;
  },
}));
export const PAYMENT_CSV_OPTIONS: CsvOptions = { delimiter: ';' };

export const paymentsCsv = (rows: readonly PaymentRow[]): string => csvOf(rows, PAYMENT_CSV_COLUMNS, PAYMENT_CSV_OPTIONS);

export const PAYMENTS_SHEET = 'Paiements';

export async function paymentsXlsx(rows: readonly PaymentRow[]): Promise<Buffer> {
  const header: Row = PAYMENT_COLUMNS.map(({ header }) => ({ value: header, fontWeight: 'bold' }));
  const lines: Row[] = rows.map((row) =>
    PAYMENT_COLUMNS.map(({ cell, value }) => {
      const raw = value(row);
      if (raw === null) return null;
      if (cell === 'cents') return { value: Number(raw) / 100, type: Number, format: '#,##0.00' };
      if (cell === 'date') return { value: new Date(`${raw}T00:00:00Z`), type: Date, format: 'dd/mm/yyyy' };
      return { value: String(raw), type: String };
    }),
  );
  const data: SheetData = [header, ...lines];
  return writeXlsxFile(data, { sheet: PAYMENTS_SHEET, columns: PAYMENT_COLUMNS.map(({ cell }) => ({ width: cell === 'text' ? 24 : 14 })) }).toBuffer();
}
