import type { Readable } from 'node:stream';

/** What storing a file measured of it, while streaming it (it is never held whole in memory). */
export interface StoredFile {
  storageId: string;
  sizeBytes: number;
  /** Lowercase hex SHA-256 of the bytes as stored. */
  sha256: string;
}

/**
 * Where attachment bytes live; their metadata stays in the `attachments` collection. A failed
 * `save` (the stream errored, or the database did) leaves nothing behind.
 */
export interface FileStorage {
  save(input: { fileName: string; contentType: string; stream: Readable; metadata: Record<string, string> }): Promise<StoredFile>;
  /** The stored bytes; rejects when no file has this id. */
  open(storageId: string): Promise<Readable>;
  /** Idempotent: removing a file that is not there succeeds. */
  remove(storageId: string): Promise<void>;
}

/** The upload went past the size limit: the stream given to `save` fails with it. */
export class FileTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the file is larger than ${limitBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}
