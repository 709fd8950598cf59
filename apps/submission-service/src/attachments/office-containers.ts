/**
 * What an Office document's ZIP container must hold to be what it claims: OOXML (docx, xlsx) its
 * `[Content_Types].xml` and its main part, ODF (odt, ods) a `mimetype` entry first, stored, holding
 * its media type. Read from the ZIP's central directory and the first local header only: no entry
 * is ever inflated (a zip bomb costs nothing), and only the end and the start of the file are kept
 * while it streams to storage. Knows formats only, like `content-sniffing.ts`.
 */

export type ContainerRule = { format: 'ooxml'; mainPart: string } | { format: 'odf'; mimetype: string };

/** The first bytes kept of an Office upload: the local header of an ODF's first entry and its `mimetype` content. */
export const CONTAINER_HEAD_BYTES = 1024;
/**
 * The last bytes kept: the end-of-directory record (22 bytes and a comment of up to 64 KiB) and the
 * central directory (≈ 100 bytes an entry: thousands of entries). A directory that does not fit is refused.
 */
export const CONTAINER_TAIL_BYTES = 256 * 1024;

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const END_RECORD_BYTES = 22;
const ENTRY_FIXED_BYTES = 46;
const LOCAL_FIXED_BYTES = 30;
const STORED = 0;

/**
 * The entries of a ZIP's central directory, read from the last bytes of the file (`tail`, the end of
 * a file of `fileSize` bytes), or why they cannot be read.
 */
export function readCentralDirectory(tail: Uint8Array, fileSize: number): ZipEntry[] | string {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const tailStart = fileSize - tail.length;
  let end = -1;
  for (let at = tail.length - END_RECORD_BYTES; at >= Math.max(0, tail.length - END_RECORD_BYTES - 0xffff); at--) {
    if (view.getUint32(at, true) === END_OF_DIRECTORY && at + END_RECORD_BYTES + view.getUint16(at + 20, true) === tail.length) {
      end = at;
      break;
    }
  }
  if (end < 0) return 'it has no ZIP end-of-directory record';
  const [disk, directoryDisk, count, size, offset] = [view.getUint16(end + 4, true), view.getUint16(end + 6, true), view.getUint16(end + 10, true), view.getUint32(end + 12, true), view.getUint32(end + 16, true)];
  if (disk !== 0 || directoryDisk !== 0 || count === 0xffff || size === 0xffffffff || offset === 0xffffffff) return 'it is a multi-part or ZIP64 archive';
  if (offset + size !== tailStart + end) return 'its ZIP central directory is not where its end record says';
  if (offset < tailStart) return `its ZIP central directory is larger than ${CONTAINER_TAIL_BYTES / 1024} KiB`;
  const entries: ZipEntry[] = [];
  let at = offset - tailStart;
  for (let i = 0; i < count; i++) {
    if (at + ENTRY_FIXED_BYTES > end || view.getUint32(at, true) !== DIRECTORY_ENTRY) return 'its ZIP central directory is damaged';
    const [nameLength, extraLength, commentLength] = [view.getUint16(at + 28, true), view.getUint16(at + 30, true), view.getUint16(at + 32, true)];
    if (at + ENTRY_FIXED_BYTES + nameLength > end) return 'its ZIP central directory is damaged';
    entries.push({
      name: Buffer.from(tail.subarray(at + ENTRY_FIXED_BYTES, at + ENTRY_FIXED_BYTES + nameLength)).toString('utf8'),
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    });
    at += ENTRY_FIXED_BYTES + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Why a ZIP file (its first bytes `head`, its last bytes `tail`, `fileSize` in all) is not the Office
 * document `rule` describes, or undefined when it is.
 */
export function containerRefusal(rule: ContainerRule, head: Uint8Array, tail: Uint8Array, fileSize: number): string | undefined {
  const entries = readCentralDirectory(tail, fileSize);
  if (typeof entries === 'string') return entries;
  if (rule.format === 'ooxml') {
    // OPC part names compare without regard to ASCII case.
    const names = new Set(entries.map((e) => e.name.toLowerCase()));
    const missing = ['[Content_Types].xml', rule.mainPart].filter((part) => !names.has(part.toLowerCase()));
    return missing.length > 0 ? `it is a ZIP without ${missing.join(' and ')}` : undefined;
  }
  const first = entries.find((e) => e.localHeaderOffset === 0);
  if (first?.name !== 'mimetype') return 'its first entry is not mimetype';
  const expected = Buffer.from(rule.mimetype, 'ascii');
  if (first.method !== STORED || first.compressedSize !== expected.length) return `its mimetype entry is not ${rule.mimetype}, stored`;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length < LOCAL_FIXED_BYTES || view.getUint32(0, true) !== LOCAL_HEADER) return 'it does not start with a ZIP entry';
  const dataAt = LOCAL_FIXED_BYTES + view.getUint16(26, true) + view.getUint16(28, true);
  const content = head.subarray(dataAt, dataAt + expected.length);
  return content.length === expected.length && expected.equals(content) ? undefined : `its mimetype entry is not ${rule.mimetype}`;
}
