import { ALLOWED_CONTENT_TYPES } from './attachment-limits';

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

/**
 * Why a file of this declared type starting with these bytes is refused, or undefined when it is
 * accepted: the declared type must be allowed AND the bytes must carry that type's signature.
 */
export function contentTypeRefusal(declared: string, head: Uint8Array): string | undefined {
  const contentType = normalizeContentType(declared);
  const expected = ALLOWED_CONTENT_TYPES[contentType];
  if (!expected) return `${contentType || 'a file without a type'} is not accepted (accepted: ${Object.keys(ALLOWED_CONTENT_TYPES).join(', ')})`;
  const actual = sniffFileKind(head);
  if (actual !== expected) return `the file is declared ${contentType} but its content is ${actual ? `a ${actual.toUpperCase()} file` : 'not of that type'}`;
  return undefined;
}
