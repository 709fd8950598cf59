import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '@aap/observability';
import type { FileStorage, StoredFile } from './storage';

const BUCKET = 'attachments';

/**
 * Attachment bytes in GridFS (`attachments.files` / `attachments.chunks`), on MongoDB 7 and on
 * FerretDB 1.24 alike: it only needs inserts, finds and deletes, which both support.
 */
export class GridFsStorage implements FileStorage {
  private readonly bucket: mongoose.mongo.GridFSBucket;
  private readonly files: mongoose.mongo.Collection;
  private readonly chunks: mongoose.mongo.Collection;

  constructor(
    db: Connection,
    private readonly logger: Logger,
  ) {
    this.bucket = new mongoose.mongo.GridFSBucket(db.db!, { bucketName: BUCKET });
    this.files = db.db!.collection(`${BUCKET}.files`);
    this.chunks = db.db!.collection(`${BUCKET}.chunks`);
  }

  async save({ fileName, contentType, stream, metadata }: Parameters<FileStorage['save']>[0]): Promise<StoredFile> {
    const upload = this.bucket.openUploadStream(fileName, { metadata: { ...metadata, contentType } });
    const storageId = upload.id.toHexString();
    // Write errors reach us through the write/end callbacks; without a listener they would also crash the process.
    upload.on('error', () => {});
    const hash = createHash('sha256');
    let sizeBytes = 0;
    try {
      // One chunk at a time, each written before the next is read: when the source fails, no chunk
      // insert is still in flight to land after the clean-up below.
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        sizeBytes += chunk.length;
        await writeChunk(upload, chunk);
      }
      await endUpload(upload);
    } catch (error) {
      upload.destroy();
      await this.remove(storageId).catch((cleanupError: unknown) =>
        this.logger.error({ err: cleanupError, storageId }, 'could not remove the chunks of a failed upload'),
      );
      throw error;
    }
    return { storageId, sizeBytes, sha256: hash.digest('hex') };
  }

  async open(storageId: string): Promise<Readable> {
    const id = new mongoose.mongo.ObjectId(storageId);
    // Checked first: a missing file found once the response has started could only cut it short.
    if (!(await this.files.findOne({ _id: id }, { projection: { _id: 1 } }))) throw new Error(`stored file ${storageId} not found`);
    return this.bucket.openDownloadStream(id);
  }

  async remove(storageId: string): Promise<void> {
    const id = new mongoose.mongo.ObjectId(storageId);
    // The files document first (as GridFSBucket.delete does), so a file is never listed with missing
    // chunks; unlike `delete`, a file already gone (or a failed upload, which has none) is no error.
    await this.files.deleteOne({ _id: id });
    await this.chunks.deleteMany({ files_id: id });
  }
}

const writeChunk = (upload: Writable, chunk: Buffer) =>
  new Promise<void>((resolve, reject) => upload.write(chunk, (error) => (error ? reject(error) : resolve())));

const endUpload = (upload: Writable) =>
  new Promise<void>((resolve, reject) => upload.end((error?: Error | null) => (error ? reject(error) : resolve())));
