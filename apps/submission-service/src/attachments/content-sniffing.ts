/**
 * What a file's first bytes say it is. Knows formats only; which of them an upload may be is a limit
 * of attachments (`attachment-limits.ts`, which imports this file and never the other way round).
 */

/** The file formats recognised by their first bytes. */
export type FileKind = 'pdf' | 'png' | 'jpeg' | 'zip';

const SIGNATURES: ReadonlyArray<{ kind: FileKind; bytes: readonly number[] }> = [
  { kind: 'pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { kind: 'png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { kind: 'jpeg', bytes: [0xff, 0xd8, 0xff] },
  { kind: 'zip', bytes: [0x50, 0x4b, 0x03, 0x04] }, // PK, a local file header: docx, xlsx, odt, ods
];

/** How many first bytes `sniffFileKind` needs to see. */
export const SNIFF_BYTES = Math.max(...SIGNATURES.map((s) => s.bytes.length));

/** The format whose signature the content starts with, if any. */
export function sniffFileKind(head: Uint8Array): FileKind | undefined {
  return SIGNATURES.find(({ bytes }) => bytes.length <= head.length && bytes.every((byte, i) => head[i] === byte))?.kind;
}

/** `Application/PDF; name=x` → `application/pdf`. */
export function normalizeContentType(declared: string): string {
  return declared.split(';')[0]!.trim().toLowerCase();
}
