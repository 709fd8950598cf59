import { crc32, deflateRawSync } from 'node:zlib';

/** Test files: real tiny ZIP containers of Office documents, and a plain ZIP. */

export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const ODT = 'application/vnd.oasis.opendocument.text';
export const ODS = 'application/vnd.oasis.opendocument.spreadsheet';

export interface Entry {
  name: string;
  data: string | Buffer;
  /** Stored (0) as ODF wants its mimetype, or deflated (8) as Office writes its parts. */
  method?: 0 | 8;
}

/** A real ZIP file (local headers, data, central directory, end record), as an Office suite writes one. */
export function zip(entries: Entry[], comment = ''): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const { name, data, method = 8 } of entries) {
    const raw = Buffer.from(data);
    const packed = method === 8 ? deflateRawSync(raw) : raw;
    const nameBytes = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(raw), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc32(raw), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    directory.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const commentBytes = Buffer.from(comment);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(commentBytes.length, 20);
  return Buffer.concat([...locals, directoryBytes, end, commentBytes]);
}

export const XML = '<?xml version="1.0" encoding="UTF-8"?><x/>';
export const docx = () => zip([{ name: '[Content_Types].xml', data: XML }, { name: '_rels/.rels', data: XML }, { name: 'word/document.xml', data: XML }]);
export const xlsx = () => zip([{ name: '[Content_Types].xml', data: XML }, { name: 'xl/workbook.xml', data: XML }, { name: 'xl/worksheets/sheet1.xml', data: XML }]);
export const odf = (mimetype: string) => zip([{ name: 'mimetype', data: mimetype, method: 0 }, { name: 'content.xml', data: XML }, { name: 'META-INF/manifest.xml', data: XML }]);
export const plainZip = () => zip([{ name: 'notes.txt', data: 'juste une archive' }]);

