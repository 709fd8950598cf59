import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { Evaluations } from '../evaluations';
import type { CallScores } from '../reviews';
import { budgetStore } from './budget.store';
import { registerCommitteeHandlers } from './committee.handlers';
import { registerCommitteeRoutes } from './committee.routes';
import { envelopeOf, type Envelope } from './envelope';
import { registerScoreboard } from './scoreboard.projection';

/** The committee as other slices use it: money coming back to a call (funding-award's lapse and recovery, later). */
export interface Committee {
  giveBack: Envelope['giveBack'];
}

/**
 * Ranked list, proposal, decisions within the envelope, reopening, promotion of the waitlist, minutes.
 * `scores`: the call's normalisation (the reviews' score projection); the ranking's other inputs come
 * from the scoreboard, never from every evaluation of the call.
 */
export function registerCommittee(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies; scores: CallScores }): Committee {
  const ledgers = budgetStore(context);
  // Registered after the evaluations' handlers of the same events: it reads the evaluation they recorded.
  const scoreboard = registerScoreboard(context, deps.evaluations.store);
  const envelope = envelopeOf({ ledgers, scoreboard, ...deps });
  registerCommitteeRoutes(context, { ...deps, ledgers, envelope, scoreboard });
  registerCommitteeHandlers(context, envelope);
  return { giveBack: envelope.giveBack };
}
