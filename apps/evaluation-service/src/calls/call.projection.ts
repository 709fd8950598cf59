import { Schema } from 'mongoose';
import { callEvents, type CallSnapshot } from '@aap/contracts';
import { notFound } from '@aap/http';
import { applyIfNotOlder, type ServiceContext } from '@aap/service-runtime';

/**
 * This service's copy of each call (rules, grid, envelope, waves, evaluation settings), from the
 * call.* events, which carry the whole call. A redelivered or late event never overwrites a newer
 * version of the call.
 */
interface CallCopyDocument {
  _id: string;
  call: CallSnapshot;
  version: number;
}

export interface CallCopies {
  get(callId: string): Promise<CallSnapshot | null>;
  /** The call, or the 404 of a route naming an unknown call. */
  found(callId: string): Promise<CallSnapshot>;
  /**
   * The call of a consumed dossier event: its call.* events are on another topic and may come later,
   * so a missing copy fails the handling (retried, then parked) until they do.
   */
  forEvent(callId: string): Promise<CallSnapshot>;
}

export function registerCallCopies(context: ServiceContext): CallCopies {
  const CallCopy = context.db.model<CallCopyDocument>(
    'CallCopy',
    new Schema<CallCopyDocument>({ _id: String, call: Schema.Types.Mixed, version: Number }, { collection: 'calls', versionKey: false }),
  );
  for (const definition of callEvents) {
    context.consumer.on(definition, async (event) => {
      const { call } = event.data as { call: CallSnapshot };
      await applyIfNotOlder(CallCopy, call.callId, 'version', call.version, { call });
    });
  }
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
  };
}
