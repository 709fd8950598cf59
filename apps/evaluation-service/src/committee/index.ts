import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { Evaluations } from '../evaluations';
import { registerCommitteeHandlers } from './committee.handlers';
import { registerCommitteeRoutes } from './committee.routes';
import { envelopeProcess, type EnvelopeProcess } from './envelope.process';
import { envelopeStore } from './envelope.store';
import { registerScoreboard } from './scoreboard.projection';
import type { CallNormalisation } from './standings';

/** The committee as other slices use it: money coming back to a call (a withdrawal, funding-award's releases). */
export interface Committee {
  giveBack: EnvelopeProcess['giveBack'];
  /** Start-up upgrades of documents written by earlier versions (`runUpgrades`). */
  upgrades: Record<string, () => Promise<void>>;
}

/**
 * Ranked list, proposal, decisions within the envelope, reopening, promotion of the waitlist, minutes.
 * `scores`: the call's normalisation (the reviews' score projection, through this narrow port); the
 * ranking's other inputs come from the scoreboard, never from every evaluation of the call.
 */
export function registerCommittee(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies; scores: CallNormalisation }): Committee {
  const envelopes = envelopeStore(context);
  // Registered after the evaluations' handlers of the same events: it reads the evaluation they recorded.
  const scoreboard = registerScoreboard(context, deps.evaluations.store);
  const process = envelopeProcess(context, { envelopes, scoreboard, ...deps });
  registerCommitteeRoutes(context, { ...deps, envelopes, process, scoreboard });
  registerCommitteeHandlers(context, process);
  return { giveBack: process.giveBack, upgrades: { 'committee-envelopes-from-budgets': envelopes.copyBudgets } };
}
