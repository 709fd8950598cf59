import type { CallSnapshot, TeamRole } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
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

/** The calls capability: programme managers' routes, every reader's routes, and closing at closing time. */
export function registerCalls(context: ServiceContext): Calls {
  const store = callStore(context);
  registerCallRoutes(context, store);

  context.schedule('close-calls-at-closing-time', async (now) => {
    for (const due of await store.dueForClosing(now)) {
      // Decided again on what is stored: another instance (or a manager) may have closed or extended it meanwhile.
      const handled = await store.commands.handleExisting(due.callId, (call) => closeAtClosingTime(call, now));
      if (handled?.written) context.logger.info({ callId: due.callId, closesAt: due.closesAt }, 'call closed at its closing time');
    }
  });

  return {
    get: (callId) => store.get(callId),
    published: () => store.published(),
    idsOnTeam: (member, roles) => store.idsOnTeam(member, roles),
    upgrades: { 'call-teams': () => store.giveLegacyCallsATeam() },
  };
}
