import type { AttachmentEntry } from '../dossiers';

/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 and
 * RFC 8187): browsers use the UTF-8 name, older clients the fallback; both are header-safe.
 */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** RFC 9530 `Repr-Digest` value: `sha-256=:<base64 of the digest>:`. */
export function reprDigest(sha256Hex: string): string {
  return `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
}

export function downloadHeaders(attachment: Pick<AttachmentEntry, 'contentType' | 'sizeBytes' | 'fileName' | 'sha256'>): Record<string, string> {
  return {
    'content-type': attachment.contentType,
    'content-length': String(attachment.sizeBytes),
    'content-disposition': contentDisposition(attachment.fileName),
    'repr-digest': reprDigest(attachment.sha256),
    // Uploaded content: the browser must take it for the declared type, never guess another (HTML, script).
    'x-content-type-options': 'nosniff',
  };
}
