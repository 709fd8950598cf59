import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Schema, type mongo } from 'mongoose';
import type { DossierStatus } from '@aap/contracts';
import { applyIfNotOlder, isDuplicateKey, type ServiceContext } from '@aap/service-runtime';
import type { Dossier } from '../dossiers';
import { exportLineOf, type ExportLine } from './dossier-export';

/**
 * The export read model: one document per dossier holding its whole export line as ONE value, its
 * JSON text deflated. Why: FerretDB 1.24 decodes every value of every document it sends, so streaming
 * the dossiers themselves (a hundred values each) reads about 6 times slower than these lines (a
 * handful each), and deflated lines (about a third of the bytes) read about a third faster than the
 * text; measured on 10 000 dossiers of one call (tools/export-probe.ts).
 */
interface LineDocument {
  _id: string;
  callId: string;
  status: DossierStatus;
  waveId: string;
  /** The dossier's version the line was made from: a line never goes back to an older one. */
  version: number;
  /** `exportLineOf(dossier)`, deflated (raw). */
  line: Buffer;
}

/** A call whose lines were all written from the dossiers collection once (then kept by every dossier write). */
interface FilledCall {
  _id: string;
  at: Date;
}

/**
 * A line is a few kilobytes: a 4 kB window and a small hash (24 kB of zlib state, against 384 kB by
 * default) deflate it as well, and a first export deflating thousands of lines does not pile up zlib
 * state faster than the collector frees it. Inflating with the default window reads any of them.
 */
const DEFLATE = { windowBits: 12, memLevel: 5 } as const;

/** Lines per round trip, read or written: a few hundred kilobytes. */
const BATCH = 200;

export function exportLinesStore(context: ServiceContext) {
  const Lines = context.model<LineDocument>(
    'DossierExportLine',
    new Schema<LineDocument>({
      _id: { type: String, required: true },
      callId: { type: String, required: true, index: true },
      status: { type: String, required: true },
      waveId: { type: String, required: true },
      version: { type: Number, required: true },
      line: { type: Buffer, required: true },
    }),
    { collection: 'dossier_export_lines' },
  );
  const Filled = context.model<FilledCall>('DossierExportFilledCall', new Schema<FilledCall>({ _id: { type: String, required: true }, at: { type: Date, required: true } }), {
    collection: 'dossier_export_filled_calls',
  });

  const documentOf = (dossier: Dossier, line = exportLineOf(dossier)): LineDocument => ({
    _id: dossier.dossierId,
    callId: dossier.callId,
    status: dossier.status,
    waveId: dossier.waveId,
    version: dossier.version,
    line: deflateRawSync(line, DEFLATE),
  });
  const lineOf = (line: Buffer | mongo.Binary) => JSON.parse(inflateRawSync(Buffer.isBuffer(line) ? line : line.buffer).toString('utf8')) as ExportLine;

  return {
    /** Writes the line of a dossier just written (never over a newer one). */
    async put(dossier: Dossier): Promise<void> {
      const { _id, version, ...fields } = documentOf(dossier);
      await applyIfNotOlder(Lines, _id, 'version', version, fields);
    },

    /**
     * The lines of a call, in store order: equality on the indexed `callId` (and on `status`/`waveId`
     * when given). A call whose lines were never all written is read from `dossiers` (every dossier of
     * the call, slower), its lines written on the way (a batch at a time; an existing line is left as it
     * is: a dossier write since has put a newer one), and marked filled once read to its end.
     */
    async *ofCall(callId: string, equalities: { status?: DossierStatus; waveId?: string }, dossiers: () => AsyncIterable<Dossier>): AsyncGenerator<ExportLine> {
      if (await Filled.findById(callId, { _id: 1 }).lean()) {
        const filter = { callId, ...(equalities.status ? { status: equalities.status } : {}), ...(equalities.waveId ? { waveId: equalities.waveId } : {}) };
        for await (const doc of Lines.find(filter, { line: 1 }).lean<{ line: mongo.Binary }>().cursor({ batchSize: BATCH })) yield lineOf(doc.line);
        return;
      }
      let batch: LineDocument[] = [];
      const flush = async () => {
        const written = batch;
        batch = [];
        if (!written.length) return;
        try {
          await Lines.collection.insertMany(written as never[], { ordered: false });
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
      };
      for await (const dossier of dossiers()) {
        const line = exportLineOf(dossier);
        batch.push(documentOf(dossier, line));
        if (batch.length === BATCH) await flush();
        yield JSON.parse(line) as ExportLine;
      }
      await flush();
      await Filled.updateOne({ _id: callId }, { $set: { at: new Date() } }, { upsert: true });
    },
  };
}

export type ExportLinesStore = ReturnType<typeof exportLinesStore>;
