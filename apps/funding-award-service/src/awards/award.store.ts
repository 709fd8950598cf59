import { Schema } from 'mongoose';
import type { OutboxFields } from '@aap/messaging';
import { documentStore, type AggregateStore, type ServiceContext } from '@aap/service-runtime';
import { AWARD_STATUSES, type AwardState } from './award';

/** An award as stored: the state keyed by the award id, with its outbox. */
interface AwardDocument extends OutboxFields, Omit<AwardState, 'awardId'> {
  _id: string;
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
      version: { type: Number, ...required },
    },
    { minimize: false },
  );
  return context.aggregate('Award', schema, { collection: 'awards' });
}

/** The awards' store: one document per award, written only through the command handler. */
export function awardStore(context: ServiceContext): AggregateStore<AwardState> {
  return documentStore(awardModel(context), {
    name: 'award',
    toState: ({ _id, ...fields }) => ({ ...fields, awardId: _id, tranches: fields.tranches ?? [], recoveries: fields.recoveries ?? [] }),
    toFields: ({ awardId: _awardId, ...fields }) => fields,
    optional: OPTIONAL_FIELDS,
  });
}
