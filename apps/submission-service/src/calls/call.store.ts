import { Schema, type FilterQuery } from 'mongoose';
import { CALL_STATUSES, TEAM_ROLES, type CallRules, type CallSnapshot, type CallStatus, type CallTeam, type TeamRole } from '@aap/contracts';
import type { OutboxFields } from '@aap/messaging';
import { paginate, type CountedPage, type Pagination } from '@aap/http';
import { documentStore, type ServiceContext } from '@aap/service-runtime';
import { firstTeam, type CallState } from './call';

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
  /** Absent only on calls stored before teams, until the `call-teams` upgrade gives them one. */
  team?: CallTeam;
  createdBy: string;
  updatedAt: Date;
}

/**
 * Who lists calls as a member of their teams (a staff caller that is not an admin): its token's `sub`
 * and, per team role its token holds, the statuses it sees of the calls it is on under that role.
 */
export interface TeamScope {
  member: string;
  statusesByRole: Partial<Record<TeamRole, readonly CallStatus[]>>;
}

export interface CallListQuery extends Pagination {
  statuses: CallStatus[];
  team?: TeamScope;
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
      team: Schema.Types.Mixed,
      createdBy: { type: String, ...required },
      updatedAt: { type: Date, ...required },
    },
  );
  schema.index({ status: 1, closesAt: 1 });
  schema.index({ programme: 1 });
  // A staff caller's list: an equality on each team role's members (an array: a multikey index).
  for (const role of TEAM_ROLES) schema.index({ [`team.${role}`]: 1 });
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
    ...(doc.team ? { team: doc.team } : {}),
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
  const aggregate = documentStore<CallState, CallDocument>(Call, {
    name: 'call',
    toState: (doc) => ({ ...toSnapshot(doc), createdBy: doc.createdBy }),
    toFields: fieldsOf,
    optional: ['publishedAt', 'closedAt', 'evaluation', 'budgetProgrammeLine'],
  });
  const commands = context.commands(aggregate);

  return {
    commands,

    /** The call as this service keeps it, its creator included (the team's routes). */
    state: (callId: string): Promise<CallState | null> => aggregate.load(callId),

    async get(callId: string): Promise<CallSnapshot | null> {
      const doc = await Call.findById(callId).lean<CallDocument>();
      return doc ? toSnapshot(doc) : null;
    },

    async list(query: CallListQuery): Promise<CountedPage<CallSnapshot>> {
      const onTeam = query.team
        ? Object.entries(query.team.statusesByRole).map(([role, statuses]) => ({ [`team.${role}`]: query.team!.member, status: { $in: statuses.filter((s) => query.statuses.includes(s)) } }))
        : undefined;
      const filter: FilterQuery<CallDocument> = {
        ...(onTeam ? { $or: onTeam } : { status: { $in: query.statuses } }),
        ...(query.programme ? { programme: query.programme } : {}),
      };
      return paginate(Call, filter, query, toSnapshot, { count: true });
    },

    /** The ids of the calls `member` is on the team of under one of `roles` (a staff caller's dossier list). */
    async idsOnTeam(member: string, roles: readonly TeamRole[]): Promise<string[]> {
      if (roles.length === 0) return [];
      const docs = await Call.find({ $or: roles.map((role) => ({ [`team.${role}`]: member })) }).select({ _id: 1 }).lean<Array<{ _id: string }>>();
      return docs.map((doc) => doc._id);
    },

    /** Upgrade `call-teams`: a call stored before teams gets its creator as its first programme manager (no event: its next one carries the team). */
    async giveLegacyCallsATeam(): Promise<void> {
      for (const doc of await Call.find({ team: { $exists: false } }).select({ _id: 1, createdBy: 1 }).lean<Array<{ _id: string; createdBy: string }>>()) {
        await Call.updateOne({ _id: doc._id, team: { $exists: false } }, { $set: { team: firstTeam(doc.createdBy) } });
      }
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
