import type { CallSnapshot, TeamRole } from '@aap/contracts';
import { forgettingOnWrite, localCopies, type ServiceContext } from '@aap/service-runtime';
import { closeAtClosingTime } from './call';
import { callStore } from './call.store';
import { registerCallRoutes } from './call.routes';

/** Read access to the calls, for the other slices of the submission service (dossiers). */
export interface CallRepository {
  get(callId: string): Promise<CallSnapshot | null>;
  /** The published calls (a few dozen at most): an equality on the indexed status. */
  published(): Promise<CallSnapshot[]>;
  /** The ids of the calls `member` is on the team of under one of `roles` (a staff caller's lists). */
  idsOnTeam(member: string, roles: readonly TeamRole[]): Promise<string[]>;
}

/** The calls' port, and the upgrades of calls stored by earlier versions (run by `service.ts` before it serves). */
export interface Calls extends CallRepository {
  upgrades: Record<string, () => Promise<void>>;
}

/**
 * How long another instance's change of a call may go unseen by this one's `get` (create a draft, submit,
 * a staff member's access to a call's dossiers). A change made by this instance is seen at once. Why no
 * rule breaks by it: a wave's window is checked against the clock on the dates of the copy, and the call
 * closes itself at its closing time, so only a programme manager's change of the last second (closing
 * early, moving a wave, unpublishing, a team change) may be missed for that second — as it would be by
 * a request that reached the store just before the change.
 */
export const CALL_COPY_FRESH_MS = 1_000;

/** The calls capability: programme managers' routes, every reader's routes, and closing at closing time. */
export function registerCalls(context: ServiceContext): Calls {
  const stored = callStore(context);
  // The calls read on every dossier request come from this process's copy (`CALL_COPY_FRESH_MS`), dropped by every write made here.
  const copies = localCopies((callId) => stored.get(callId), { freshMs: CALL_COPY_FRESH_MS, max: 1_000 });
  const store = { ...stored, commands: forgettingOnWrite(stored.commands, copies) };
  registerCallRoutes(context, store);

  context.schedule('close-calls-at-closing-time', async (now) => {
    for (const due of await store.dueForClosing(now)) {
      // Decided again on what is stored: another instance (or a manager) may have closed or extended it meanwhile.
      const handled = await store.commands.handleExisting(due.callId, (call) => closeAtClosingTime(call, now));
      if (handled?.written) context.logger.info({ callId: due.callId, closesAt: due.closesAt }, 'call closed at its closing time');
    }
  });

  return {
    get: (callId) => copies.get(callId),
    published: () => store.published(),
    idsOnTeam: (member, roles) => store.idsOnTeam(member, roles),
    upgrades: { 'call-teams': () => store.giveLegacyCallsATeam() },
  };
}
