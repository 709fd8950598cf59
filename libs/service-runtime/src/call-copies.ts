import { Schema } from 'mongoose';
import { callEvents, TEAM_ROLES, type CallSnapshot, type TeamRole } from '@aap/contracts';
import { notFound } from '@aap/http';
import { insertEachOnce } from '@aap/messaging';
import type { ServiceContext } from './service';

/**
 * A service's own copy of every call (event-carried state transfer, no call to the submission
 * service): the whole call as its `call.*` events carry it — status, closing time, waves, money
 * rules (envelope, co-financing), required documents, scoring grid, evaluation settings, payment
 * schedule — at its latest version. Evaluation, notification and funding-award keep it the same way.
 *
 * Applied idempotently: a version is written only over an older one, so a redelivered event (same
 * version) or an older version arriving late (topics are consumed concurrently, retries reorder)
 * changes nothing. The consumer's own dedup (`processed_events`) is the first line; this guard holds
 * even without it.
 */
export interface CallCopies {
  /** The call at the latest version seen, or null when no `call.*` event named it yet. */
  get(callId: string): Promise<CallSnapshot | null>;
  /** The call, or the 404 problem of a route naming a call this service does not know. */
  found(callId: string): Promise<CallSnapshot>;
  /**
   * The call of a consumed event naming it: its `call.*` events are on another topic and may come
   * later, so a missing copy fails the handling (retried, then parked) until they do.
   */
  forEvent(callId: string): Promise<CallSnapshot>;
  /** The ids of the calls whose team names `member` under `role` (a staff list confined to the caller's calls). */
  teamCallIds(member: string, role: TeamRole): Promise<string[]>;
}

export interface CallCopyOptions {
  /** Collection of the copy in the service's database (default `calls`, where evaluation always kept it). */
  collection?: string;
}

interface CallCopyDocument {
  _id: string;
  version: number;
  call: CallSnapshot;
}

export function registerCallCopies(context: ServiceContext, options: CallCopyOptions = {}): CallCopies {
  // Declared with its lock: FerretDB updates by find-then-replace, one write at a time per call.
  const schema = new Schema<CallCopyDocument>({ _id: String, version: Number, call: Schema.Types.Mixed });
  // A member's calls: one equality on an indexed field per role (`teamCallIds`), never a scan of the calls.
  for (const role of TEAM_ROLES) schema.index({ [`call.team.${role}`]: 1 });
  const CallCopy = context.model<CallCopyDocument>('CallCopy', schema, { collection: options.collection ?? 'calls' });

  /**
   * Writes each call (its newest version among `calls`) unless its copy already holds this version or a
   * newer one: inserted together when new (one write for a batch of events), else a guarded update.
   */
  const apply = async (calls: readonly CallSnapshot[]): Promise<void> => {
    const newest = new Map<string, CallSnapshot>();
    for (const call of calls) if ((newest.get(call.callId)?.version ?? -Infinity) < call.version) newest.set(call.callId, call);
    const known = await insertEachOnce(CallCopy.collection, [...newest.values()].map((call) => ({ _id: call.callId, version: call.version, call })));
    for (const { _id, version, call } of known) await CallCopy.updateOne({ _id, version: { $lt: version } }, { $set: { version, call } });
  };

  context.consumer.onBatch(callEvents, (events) => apply(events.map((event) => (event.data as { call: CallSnapshot }).call)));

  const get = async (callId: string) => (await CallCopy.findById(callId).lean<CallCopyDocument>())?.call ?? null;
  return {
    get,
    async found(callId) {
      const call = await get(callId);
      if (!call) throw notFound(`Call ${callId}`);
      return call;
    },
    async forEvent(callId) {
      const call = await get(callId);
      if (!call) throw new Error(`no copy of call ${callId} yet`);
      return call;
    },
    async teamCallIds(member, role) {
      const copies = await CallCopy.find({ [`call.team.${role}`]: member }, { _id: 1 }).lean<Array<{ _id: string }>>();
      return copies.map((copy) => copy._id);
    },
  };
}
