import { normalizeContentType, sniffFileKind, type FileKind } from './content-sniffing';
import { containerRefusal, type ContainerRule } from './office-containers';

/**
 * Every limit of dossier attachments, in one place. The multipart parser enforces the byte and
 * part counts as it reads; the routes check the rest before anything is stored.
 */

/** 10 MiB per file: enough for a scanned deliberation, small enough to stream through one request. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** At most 20 attachments per dossier: a rule of the dossier itself (its attachments are part of it). */
export { MAX_ATTACHMENTS_PER_DOSSIER } from '../dossiers';

/**
 * The accepted types, each with the signature its first bytes must carry: the declared type alone
 * is the client's word, and a renamed file must not get through. Office formats are ZIP containers,
 * which is as far as their first bytes go: what the container holds is `OFFICE_CONTAINERS`.
 */
export const ALLOWED_CONTENT_TYPES: Readonly<Record<string, FileKind>> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'zip',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'zip',
  'application/vnd.oasis.opendocument.text': 'zip',
  'application/vnd.oasis.opendocument.spreadsheet': 'zip',
};

/** What the ZIP of each accepted Office type must hold to be that type (any ZIP renamed is not). */
export const OFFICE_CONTAINERS: Readonly<Record<string, ContainerRule>> = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { format: 'ooxml', mainPart: 'word/document.xml' },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { format: 'ooxml', mainPart: 'xl/workbook.xml' },
  'application/vnd.oasis.opendocument.text': { format: 'odf', mimetype: 'application/vnd.oasis.opendocument.text' },
  'application/vnd.oasis.opendocument.spreadsheet': { format: 'odf', mimetype: 'application/vnd.oasis.opendocument.spreadsheet' },
};

/** A document type is a slug naming what the file is for, e.g. `deliberation`, `budget-plan`. */
export const DOCUMENT_TYPE_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_DOCUMENT_TYPE_LENGTH = 64;

/**
 * What the multipart parser may read of one upload: one file (truncated past MAX_FILE_BYTES, which
 * the route turns into a refusal) and a few fields (only `documentType` is used).
 */
export const MULTIPART_LIMITS = { fileSize: MAX_FILE_BYTES, files: 1, fields: 5 } as const;

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

/**
 * For a declared Office type, the check of its whole content (its first and last bytes and its size,
 * kept while it streams): why it is not that document, or undefined. Undefined for other types.
 */
export function officeContainerCheck(declared: string): ((head: Uint8Array, tail: Uint8Array, size: number) => string | undefined) | undefined {
  const contentType = normalizeContentType(declared);
  const rule = OFFICE_CONTAINERS[contentType];
  if (!rule) return undefined;
  return (head, tail, size) => {
    const why = containerRefusal(rule, head, tail, size);
    return why && `the file is declared ${contentType} but ${why}`;
  };
}
