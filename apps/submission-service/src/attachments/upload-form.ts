import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { controlCharacterErrors, controlCharacterProblem } from '@aap/http';
import { DOCUMENT_TYPE_PATTERN, MAX_DOCUMENT_TYPE_LENGTH, MAX_FILE_BYTES } from './attachment-limits';
import { fileMissing, invalidDocumentType, multipartRequired } from './attachment-refusals';
import { FileTooLargeError } from './storage';

export interface UploadForm {
  documentType: string;
  /** The file part, still unread: its stream fails with FileTooLargeError past MAX_FILE_BYTES. */
  file: MultipartFile;
}

/**
 * Reads an upload form up to its file part: the `documentType` field must come first, so the form
 * is refused before any byte of the file is stored.
 */
export async function readUploadForm(request: FastifyRequest): Promise<UploadForm> {
  if (!request.isMultipart()) throw multipartRequired();
  let documentType: string | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      if (part.fieldname === 'documentType') documentType = String(part.value);
      continue;
    }
    if (documentType === undefined || documentType.length > MAX_DOCUMENT_TYPE_LENGTH || !DOCUMENT_TYPE_PATTERN.test(documentType)) {
      throw invalidDocumentType(documentType);
    }
    // A browser sends an empty file input as a part with an empty file name.
    if (part.fieldname !== 'file' || !part.filename) throw fileMissing();
    // The file name is stored: a multipart body is parsed here, past the server's check of request strings.
    const controlCharacters = controlCharacterErrors({ body: { file: part.filename } });
    if (controlCharacters.length) throw controlCharacterProblem(controlCharacters);
    const stream = part.file;
    // The parser truncates the file at the limit and says so with 'limit'; a truncated file must not be stored.
    stream.once('limit', () => stream.destroy(new FileTooLargeError(MAX_FILE_BYTES)));
    return { documentType, file: part };
  }
  throw documentType === undefined ? invalidDocumentType(undefined) : fileMissing();
}

/**
 * A refused upload may leave part of the body unread: read and drop it, so the client (still
 * sending) gets the answer and the connection stays usable.
 */
export function discardUnreadBody(request: FastifyRequest): void {
  request.raw.unpipe();
  request.raw.resume();
}

/** The first `size` bytes of a stream (fewer if it is shorter), and a stream of its whole content. */
export async function readHead(source: Readable, size: number): Promise<{ head: Buffer; content: Readable }> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const read: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < size && !ended) {
    const next = await chunks.next();
    if (next.done) ended = true;
    else {
      read.push(next.value);
      length += next.value.length;
    }
  }
  async function* content() {
    yield* read;
    if (ended) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  return { head: Buffer.concat(read).subarray(0, size), content: Readable.from(content(), { objectMode: false }) };
}

/**
 * The content, checked once all of it has streamed through: `check` sees its first `headBytes`, its
 * last `tailBytes` and its size, and the error it returns fails the stream at its end — so the
 * storage reading it keeps nothing. Holds only those bytes, never the whole file.
 */
export function checkedAtEnd(content: Readable, headBytes: number, tailBytes: number, check: (head: Buffer, tail: Buffer, size: number) => Error | undefined): Readable {
  async function* checked() {
    const head: Buffer[] = [];
    const tail: Buffer[] = [];
    let [headLength, tailLength, size] = [0, 0, 0];
    for await (const chunk of content as AsyncIterable<Buffer>) {
      if (headLength < headBytes) {
        const part = chunk.subarray(0, headBytes - headLength);
        head.push(part);
        headLength += part.length;
      }
      tail.push(chunk);
      tailLength += chunk.length;
      size += chunk.length;
      while (tailLength - tail[0]!.length >= tailBytes) tailLength -= tail.shift()!.length;
      yield chunk;
    }
    const kept = Buffer.concat(tail);
    const error = check(Buffer.concat(head), kept.subarray(Math.max(0, kept.length - tailBytes)), size);
    if (error) throw error;
  }
  return Readable.from(checked(), { objectMode: false });
}
