import { Schema, type FilterQuery } from 'mongoose';
import { CALL_STATUSES, type CallRules, type CallSnapshot, type CallStatus } from '@aap/contracts';
import type { OutboxFields } from '@aap/messaging';
import { paginate, type CountedPage, type Pagination } from '@aap/http';
import { documentStore, type ServiceContext } from '@aap/service-runtime';
import type { CallState } from './call';

/**
 * A call as stored: the snapshot's fields, with its instants as dates so that closing and sorting
 * compare instants (the waves keep the times as the programme manager wrote them, offset included).
 */
interface CallDocument extends OutboxFields, CallRules {
  _id: string;
  status: CallStatus;
  version: number;
  closesAt: Date;
  publishedAt?: Date;
  closedAt?: Date;
  createdBy: string;
  updatedAt: Date;
}

export interface CallListQuery extends Pagination {
  statuses: CallStatus[];
  programme?: string;
  sort: string;
}

function callModel(context: ServiceContext) {
  const required = { required: true } as const;
  const schema = new Schema<CallDocument>(
    {
      _id: { type: String, ...required },
      status: { type: String, enum: CALL_STATUSES, ...required },
      version: { type: Number, ...required },
      title: { type: String, ...required },
      programme: { type: String, ...required },
      budgetProgrammeLine: String,
      description: String,
      budgetEnvelopeCents: { type: Number, ...required },
      eligibleApplicantKinds: { type: [String], ...required },
      groupementsAllowed: { type: Boolean, ...required },
      // Validated by the zod schemas before any write; stored as written.
      cofinancing: { type: Schema.Types.Mixed, ...required },
      requiredDocuments: { type: Schema.Types.Mixed, ...required },
      scoringGrid: { type: Schema.Types.Mixed, ...required },
      reviewersPerDossier: { type: Number, ...required },
      paymentSchedule: { type: Schema.Types.Mixed, ...required },
      waves: { type: Schema.Types.Mixed, ...required },
      maxActiveDossiersPerApplicantPerWave: { type: Number, ...required },
      reminderDaysBeforeClose: { type: Number, ...required },
      evaluation: Schema.Types.Mixed,
      closesAt: { type: Date, ...required },
      publishedAt: Date,
      closedAt: Date,
      createdBy: { type: String, ...required },
      updatedAt: { type: Date, ...required },
    },
  );
  schema.index({ status: 1, closesAt: 1 });
  schema.index({ programme: 1 });
  return context.aggregate('Call', schema, { collection: 'calls' });
}

function toSnapshot(doc: CallDocument): CallSnapshot {
  return {
    callId: doc._id,
    status: doc.status,
    title: doc.title,
    programme: doc.programme,
    ...(doc.budgetProgrammeLine ? { budgetProgrammeLine: doc.budgetProgrammeLine } : {}),
    description: doc.description ?? '',
    budgetEnvelopeCents: doc.budgetEnvelopeCents,
    eligibleApplicantKinds: doc.eligibleApplicantKinds,
    groupementsAllowed: doc.groupementsAllowed,
    cofinancing: doc.cofinancing,
    requiredDocuments: doc.requiredDocuments,
    scoringGrid: doc.scoringGrid,
    reviewersPerDossier: doc.reviewersPerDossier,
    paymentSchedule: doc.paymentSchedule,
    waves: doc.waves,
    maxActiveDossiersPerApplicantPerWave: doc.maxActiveDossiersPerApplicantPerWave,
    reminderDaysBeforeClose: doc.reminderDaysBeforeClose,
    ...(doc.evaluation ? { evaluation: doc.evaluation } : {}),
    closesAt: doc.waves.at(-1)!.closesAt,
    ...(doc.publishedAt ? { publishedAt: new Date(doc.publishedAt).toISOString() } : {}),
    ...(doc.closedAt ? { closedAt: new Date(doc.closedAt).toISOString() } : {}),
    version: doc.version,
  };
}

/** The stored fields of a call, except its id and version (the store's guarded write owns those). */
function fieldsOf(call: CallState) {
  const { callId: _callId, version: _version, closesAt, publishedAt, closedAt, ...rules } = call;
  return {
    ...rules,
    closesAt: new Date(closesAt),
    ...(publishedAt ? { publishedAt: new Date(publishedAt) } : {}),
    ...(closedAt ? { closedAt: new Date(closedAt) } : {}),
    updatedAt: new Date(),
  };
}

export function callStore(context: ServiceContext) {
  const Call = callModel(context);
  /** Every command on a call goes through the service's one command handler (load → decide → guarded record). */
  const commands = context.commands(
    documentStore<CallState, CallDocument>(Call, {
      name: 'call',
      toState: (doc) => ({ ...toSnapshot(doc), createdBy: doc.createdBy }),
      toFields: fieldsOf,
      optional: ['publishedAt', 'closedAt', 'evaluation', 'budgetProgrammeLine'],
    }),
  );

  return {
    commands,

    async get(callId: string): Promise<CallSnapshot | null> {
      const doc = await Call.findById(callId).lean<CallDocument>();
      return doc ? toSnapshot(doc) : null;
    },

    async list(query: CallListQuery): Promise<CountedPage<CallSnapshot>> {
      const filter: FilterQuery<CallDocument> = { status: { $in: query.statuses }, ...(query.programme ? { programme: query.programme } : {}) };
      return paginate(Call, filter, query, toSnapshot, { count: true });
    },

    async published(): Promise<CallSnapshot[]> {
      const docs = await Call.find({ status: 'published' }).lean<CallDocument[]>();
      return docs.map(toSnapshot);
    },

    /** Published calls whose closing time is reached, a bounded batch per run. */
    async dueForClosing(now: Date): Promise<CallSnapshot[]> {
      const docs = await Call.find({ status: 'published', closesAt: { $lte: now } }).sort({ closesAt: 1 }).limit(100).lean<CallDocument[]>();
      return docs.map(toSnapshot);
    },
  };
}

export type CallStore = ReturnType<typeof callStore>;
