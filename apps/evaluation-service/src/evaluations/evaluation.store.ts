import { Schema, type UpdateQuery } from 'mongoose';
import { outboxForInsert, type EventMetadata, type OutboxFields, type PendingEvent } from '@aap/messaging';
import { concurrentChange, insertOnce, record, type ServiceContext } from '@aap/service-runtime';
import { EVALUATION_STAGES, type EvaluationDecision, type EvaluationState } from './evaluation';

/** An evaluation as stored: the state keyed by the dossier id, with its outbox. */
interface EvaluationDocument extends OutboxFields, Omit<EvaluationState, 'dossierId'> {
  _id: string;
}

/** Fields a state may drop (written as `$unset` when absent from the next state). */
const OPTIONAL_FIELDS = ['previousSnapshot', 'decision', 'completedAt'] as const satisfies readonly (keyof EvaluationState)[];

/** What the committee's minutes read of a wave's evaluations (never the dossier's full text). */
const MINUTES_FIELDS = 'number callId waveId organisationId stage dossierStatus decision decisions snapshot.applicant.name snapshot.project.title';

function evaluationModel(context: ServiceContext) {
  const required = { required: true } as const;
  const schema = new Schema<EvaluationDocument>(
    {
      _id: { type: String, ...required },
      number: { type: String, ...required },
      callId: { type: String, ...required, index: true },
      waveId: { type: String, ...required },
      organisationId: { type: String, ...required },
      stage: { type: String, enum: EVALUATION_STAGES, ...required },
      dossierStatus: { type: String, ...required },
      // Validated by the event's zod schema or the decide functions before any write; stored as given.
      snapshot: { type: Schema.Types.Mixed, ...required },
      previousSnapshot: Schema.Types.Mixed,
      changes: { type: [String], default: [] },
      admissibility: { type: Schema.Types.Mixed, ...required },
      assignments: { type: Schema.Types.Mixed, default: () => [] },
      reviews: { type: Schema.Types.Mixed, default: () => [] },
      complements: { type: Schema.Types.Mixed, default: () => [] },
      decision: Schema.Types.Mixed,
      decisions: { type: Schema.Types.Mixed, default: () => [] },
      completedAt: Date,
      createdAt: { type: Date, ...required },
      updatedAt: { type: Date, ...required },
      version: { type: Number, ...required },
    },
    { minimize: false },
  );
  // A wave's evaluations (ranking, minutes): one equality on both fields.
  schema.index({ callId: 1, waveId: 1 });
  return context.aggregate('Evaluation', schema, { collection: 'evaluations' });
}

/** Dates inside Mixed fields come back as Date from MongoDB and FerretDB alike; these are typed ones. */
function toState(doc: EvaluationDocument): EvaluationState {
  const { _id, outbox: _outbox, outboxPending: _pending, ...fields } = doc;
  return { ...fields, dossierId: _id, changes: fields.changes ?? [], assignments: fields.assignments ?? [], reviews: fields.reviews ?? [], complements: fields.complements ?? [], decisions: fields.decisions ?? [] };
}

function fieldsOf(state: EvaluationState) {
  const { dossierId: _id, version: _version, ...fields } = state;
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

export function evaluationStore(context: ServiceContext) {
  const Evaluation = evaluationModel(context);

  const get = async (dossierId: string): Promise<EvaluationState | null> => {
    const doc = await Evaluation.findById(dossierId).lean<EvaluationDocument>();
    return doc ? toState(doc) : null;
  };

  const store = {
    get,

    /** Stores a new evaluation with its first events; `exists` when the dossier already has one (a redelivery). */
    open(state: EvaluationState, events: PendingEvent[]): Promise<'inserted' | 'exists'> {
      return insertOnce(Evaluation, { _id: state.dossierId, ...fieldsOf(state), version: 1, ...outboxForInsert(events) } as never);
    },

    /** ONE guarded single-document write of the next state and its events; false when the race was lost. */
    record(current: EvaluationState, next: EvaluationState, events: PendingEvent[]): Promise<boolean> {
      const unset = OPTIONAL_FIELDS.filter((field) => next[field] === undefined);
      const update: UpdateQuery<EvaluationDocument> = {
        $set: { ...fieldsOf(next), updatedAt: new Date() },
        ...(unset.length ? { $unset: Object.fromEntries(unset.map((field) => [field, ''])) } : {}),
      };
      return record(Evaluation, { id: current.dossierId, version: current.version }, update, events);
    },

    /**
     * Decides on the current evaluation and records the outcome; a lost race reads again and decides
     * again (at most 5 times, then 409). Null when the dossier has no evaluation.
     */
    async transition(
      dossierId: string,
      decide: (state: EvaluationState) => EvaluationDecision | Promise<EvaluationDecision>,
      metadata?: EventMetadata,
    ): Promise<{ before: EvaluationState; decision: EvaluationDecision } | null> {
      for (let attempt = 1; ; attempt++) {
        const before = await get(dossierId);
        if (!before) return null;
        const decision = await decide(before);
        if (decision.outcome !== 'accepted' || decision.state === before) return { before, decision };
        if (await store.record(before, decision.state, context.events(decision.events, metadata))) return { before, decision: { ...decision, state: { ...decision.state, version: before.version + 1 } } };
        if (attempt >= 5) throw concurrentChange(`the evaluation of dossier ${dossierId}`, before.version);
      }
    },

    /**
     * A wave's evaluations with their decisions, for the committee's minutes: one equality on the
     * indexed {callId, waveId}. A rare export; the ranked list reads the scoreboard instead.
     */
    async decisionsOfWave(callId: string, waveId: string): Promise<EvaluationState[]> {
      const docs = await Evaluation.find({ callId, waveId }).select(MINUTES_FIELDS).lean<EvaluationDocument[]>();
      return docs.map(toState);
    },
  };
  return store;
}

export type EvaluationStore = ReturnType<typeof evaluationStore>;
