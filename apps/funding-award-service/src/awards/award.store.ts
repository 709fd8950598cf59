import { Schema } from 'mongoose';
import type { OutboxFields } from '@aap/messaging';
import { documentStore, type AggregateStore, type ServiceContext } from '@aap/service-runtime';
import { AWARD_STATUSES, pendingLapse, type AwardState } from './award';

/** An award as stored: the state keyed by the award id, with its outbox. */
interface AwardDocument extends OutboxFields, Omit<AwardState, 'awardId'> {
  _id: string;
  /** The day the award lapses if nothing happens first (`pendingLapse`), kept for the deadline job's equality lookups. */
  deadlineDay?: string;
}

/** Fields a state may drop (written as `$unset` when absent from the next state). */
const OPTIONAL_FIELDS = [
  'beneficiaryKind',
  'beneficiary',
  'project',
  'funding',
  'legalCommitment',
  'startedOn',
  'completionDeadline',
  'agreement',
  'bankDetails',
  'pendingBankDetails',
  'dueCents',
  'closedAt',
  'cancellation',
  'withdrawal',
] as const satisfies readonly (keyof AwardState)[];

function awardModel(context: ServiceContext) {
  const required = { required: true } as const;
  const schema = new Schema<AwardDocument>(
    {
      _id: { type: String, ...required },
      dossierId: { type: String, ...required },
      number: { type: String, ...required },
      callId: { type: String, ...required, index: true },
      waveId: { type: String, ...required },
      organisationId: { type: String, ...required },
      status: { type: String, enum: AWARD_STATUSES, ...required },
      grantCents: { type: Number, ...required },
      eligibleCostCents: { type: Number, ...required },
      beneficiaryKind: String,
      beneficiary: Schema.Types.Mixed,
      project: Schema.Types.Mixed,
      funding: Schema.Types.Mixed,
      legalCommitment: Schema.Types.Mixed,
      notifiedAt: { type: String, ...required },
      startDeadline: { type: String, ...required },
      startExtended: { type: Boolean, ...required },
      startedOn: String,
      completionDeadline: String,
      bankDetailsSubmitted: { type: Number, ...required },
      releasedCents: { type: Number, ...required },
      dueCents: Number,
      closedAt: String,
      // Decided by the pure functions of the slices (validated there), stored as given.
      schedule: { type: Schema.Types.Mixed, ...required },
      agreement: Schema.Types.Mixed,
      bankDetails: Schema.Types.Mixed,
      pendingBankDetails: Schema.Types.Mixed,
      tranches: { type: Schema.Types.Mixed, default: () => [] },
      recoveries: { type: Schema.Types.Mixed, default: () => [] },
      cancellation: Schema.Types.Mixed,
      withdrawal: Schema.Types.Mixed,
      deadlineDay: { type: String, index: true },
      version: { type: Number, ...required },
    },
    { minimize: false },
  );
  return context.aggregate('Award', schema, { collection: 'awards' });
}

export interface AwardStore extends AggregateStore<AwardState> {
  /** The awards that lapse on `day` if nothing happened first: an equality on the indexed `deadlineDay`. */
  lapsingOn(day: string): Promise<string[]>;
  /** Gives the awards written before `deadlineDay` existed theirs (a scan: once, at start-up, through `runUpgrades`). */
  upgradeDeadlineDays(): Promise<void>;
}

/** The awards' store: one document per award, written only through the command handler. */
export function awardStore(context: ServiceContext): AwardStore {
  const Award = awardModel(context);
  const toState = ({ _id, deadlineDay: _deadlineDay, ...fields }: AwardDocument): AwardState => ({ ...fields, awardId: _id, tranches: fields.tranches ?? [], recoveries: fields.recoveries ?? [] });
  const store = documentStore(Award, {
    name: 'award',
    toState,
    toFields: (award) => {
      const { awardId: _awardId, ...fields } = award;
      return { ...fields, deadlineDay: pendingLapse(award)?.day };
    },
    optional: [...OPTIONAL_FIELDS, 'deadlineDay'],
  });
  return {
    ...store,
    async lapsingOn(day) {
      const docs = await Award.find({ deadlineDay: day }, { _id: 1 }).lean<Array<{ _id: string }>>();
      return docs.map((doc) => doc._id);
    },
    async upgradeDeadlineDays() {
      for (const doc of await Award.find({ deadlineDay: { $exists: false } }).lean<AwardDocument[]>()) {
        const day = pendingLapse(toState(doc))?.day;
        // Guarded on the version read: a write since then has set the field itself.
        if (day) await Award.updateOne({ _id: doc._id, version: doc.version }, { $set: { deadlineDay: day } });
      }
    },
  };
}
