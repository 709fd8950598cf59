import { Schema, type FilterQuery } from 'mongoose';
import type { DossierStatus } from '@aap/contracts';
import { withoutOutbox, type OutboxFields } from '@aap/messaging';
import { documentStore, type ServiceContext } from '@aap/service-runtime';
import type { Dossier } from './dossier';
import { receiptNumberField } from './receipt-numbers';

/** A dossier as stored: the state, keyed by `_id`, with its outbox. */
export interface DossierDocument extends OutboxFields, Omit<Dossier, 'dossierId'> {
  _id: string;
}

/** Fields a state may drop (written as `$unset` when absent from the next state). */
const OPTIONAL_FIELDS = ['decision', 'reminderSentForClosesAt'] as const satisfies readonly (keyof Dossier)[];

function dossierModel(context: ServiceContext) {
  const schema = new Schema<DossierDocument>(
    {
      _id: { type: String, required: true },
      // Unique: the backstop that no two dossiers ever share a receipt number (receipt-numbers.ts).
      number: receiptNumberField,
      callId: { type: String, required: true, index: true },
      waveId: { type: String, required: true },
      organisationId: { type: String, required: true, index: true },
      status: { type: String, required: true, index: true },
      // Parts are validated by the routes' zod schemas; stored as given.
      project: { type: Schema.Types.Mixed, default: () => ({}) },
      budget: { type: Schema.Types.Mixed, default: () => ({}) },
      applicant: { type: Schema.Types.Mixed },
      attachments: { type: Schema.Types.Mixed, default: () => [] },
      submittedAt: Date,
      contentHash: String,
      submitIdempotencyKey: String,
      complementRequests: { type: Schema.Types.Mixed, default: () => [] },
      decision: { type: Schema.Types.Mixed },
      appliedEventIds: { type: [String], default: [] },
      history: { type: Schema.Types.Mixed, default: () => [] },
      reminderSentForClosesAt: String,
      createdBy: { type: String, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      version: { type: Number, required: true, default: 1 },
    },
    { minimize: false },
  );
  schema.index({ organisationId: 1, callId: 1, waveId: 1, status: 1 });
  return context.aggregate('Dossier', schema, { collection: 'dossiers' });
}

const asDate = (value: Date | string) => new Date(value);

/** Dossiers per round trip of a streamed read (`ofCall`): a few hundred kilobytes held at once. */
const STREAM_BATCH_SIZE = 200;

function toState(doc: DossierDocument): Dossier {
  const { _id, ...fields } = withoutOutbox(doc);
  return {
    ...fields,
    dossierId: _id,
    project: fields.project ?? {},
    budget: fields.budget ?? {},
    // Dossiers stored before attachments moved into the dossier have none listed here.
    attachments: (fields.attachments ?? []).map((a) => ({ ...a, uploadedAt: asDate(a.uploadedAt) })),
    complementRequests: fields.complementRequests ?? [],
    appliedEventIds: fields.appliedEventIds ?? [],
    history: fields.history ?? [],
  };
}

/** The stored fields of a state, except its id and version (the store's guarded write owns those). */
function fieldsOf(dossier: Dossier) {
  const { dossierId: _id, version: _version, ...fields } = dossier;
  return fields;
}

export function dossierStore(context: ServiceContext) {
  const Dossier = dossierModel(context);
  const aggregate = documentStore<Dossier, DossierDocument>(Dossier, { name: 'dossier', toState, toFields: fieldsOf, optional: OPTIONAL_FIELDS });

  const get = aggregate.load;

  return {
    get,
    /** Every command on a dossier goes through the service's one command handler (load → decide → guarded record, decided again on a lost race). */
    commands: context.commands(aggregate),

    /** The statuses of some dossiers, each read by `_id` (the per-wave places' claims). */
    async statuses(dossierIds: readonly string[]): Promise<Record<string, DossierStatus | undefined>> {
      const found = await Promise.all(dossierIds.map(async (id) => [id, (await Dossier.findById(id, { status: 1 }).lean<Pick<DossierDocument, 'status'>>())?.status] as const));
      return Object.fromEntries(found);
    },

    /** The dossiers of an organisation in a wave (equality on an indexed prefix; once per organisation and wave, when its places are first kept). */
    async inWave(wave: { organisationId: string; callId: string; waveId: string }) {
      const docs = await Dossier.find({ organisationId: wave.organisationId, callId: wave.callId, waveId: wave.waveId }, { status: 1, submittedAt: 1 }).lean<
        Array<Pick<DossierDocument, '_id' | 'status' | 'submittedAt'>>
      >();
      return docs.map((d) => ({ dossierId: d._id, status: d.status, ...(d.submittedAt ? { submittedAt: new Date(d.submittedAt) } : {}) }));
    },

    /** Drafts of a wave not yet reminded for this closing time (a scheduled job, not a request). */
    async draftsToRemind(callId: string, waveId: string, closesAt: string): Promise<Dossier[]> {
      const docs = await Dossier.find({ callId, waveId, status: 'draft' }).lean<DossierDocument[]>();
      return docs.filter((d) => d.reminderSentForClosesAt !== closesAt).map(toState);
    },

    /**
     * Every dossier of a call, read as the caller iterates (a cursor: never the whole call in memory), in
     * the order the store gives them — FerretDB sorts in memory, so nothing streamed is sorted. Equality on
     * the indexed `callId`, and on the top-level `status`/`waveId` when given; the bookkeeping fields stay
     * in the store (outbox, applied event ids, idempotency key, reminder mark).
     */
    async *ofCall(callId: string, equalities: { status?: DossierStatus; waveId?: string } = {}): AsyncGenerator<Dossier> {
      const filter: FilterQuery<DossierDocument> = { callId, ...(equalities.status ? { status: equalities.status } : {}), ...(equalities.waveId ? { waveId: equalities.waveId } : {}) };
      const projection = { outbox: 0, outboxPending: 0, appliedEventIds: 0, submitIdempotencyKey: 0, reminderSentForClosesAt: 0 };
      for await (const doc of Dossier.find(filter, projection).lean<DossierDocument>().cursor({ batchSize: STREAM_BATCH_SIZE })) yield toState(doc);
    },

    /** The model, for the staff lists and exports. */
    model: Dossier,
    toState,
  };
}

export type DossierStore = ReturnType<typeof dossierStore>;
export type DossierFilter = FilterQuery<DossierDocument>;
