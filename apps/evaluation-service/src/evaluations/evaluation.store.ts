import { Schema } from 'mongoose';
import { withoutOutbox, type OutboxFields } from '@aap/messaging';
import { documentStore, type DocumentMapping, type ServiceContext } from '@aap/service-runtime';
import { EVALUATION_STAGES, type EvaluationState } from './evaluation';

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
function toState(doc: Omit<EvaluationDocument, 'outbox' | 'outboxPending'>): EvaluationState {
  const { _id, ...state } = withoutOutbox(doc as EvaluationDocument);
  return { ...state, dossierId: _id, changes: state.changes ?? [], assignments: state.assignments ?? [], reviews: state.reviews ?? [], complements: state.complements ?? [], decisions: state.decisions ?? [] };
}

/** How an evaluation maps to its document: the dossier id is the `_id`, everything else as it is. */
const EVALUATION_MAPPING: DocumentMapping<EvaluationState, EvaluationDocument> = {
  name: 'evaluation',
  toState,
  toFields: ({ dossierId: _id, ...fields }) => fields,
  optional: OPTIONAL_FIELDS,
};

export function evaluationStore(context: ServiceContext) {
  const Evaluation = evaluationModel(context);
  const store = documentStore(Evaluation, EVALUATION_MAPPING);
  return {
    get: (dossierId: string): Promise<EvaluationState | null> => store.load(dossierId),
    /**
     * Every command on an evaluation: load → decide → one guarded write of the state and its events,
     * decided again on a lost race (the service runtime's one retry policy, then 409).
     */
    commands: context.commands(store),
    /**
     * A wave's evaluations with their decisions, for the committee's minutes: one equality on the
     * indexed {callId, waveId}. A rare export; the ranked list reads the scoreboard instead.
     */
    async decisionsOfWave(callId: string, waveId: string): Promise<EvaluationState[]> {
      const docs = await Evaluation.find({ callId, waveId }).select(MINUTES_FIELDS).lean<EvaluationDocument[]>();
      return docs.map(toState);
    },
  };
}

export type EvaluationStore = ReturnType<typeof evaluationStore>;
