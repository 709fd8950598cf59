import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '../calls';
import type { Evaluations } from '../evaluations';
import { budgetStore } from './budget.store';
import { registerCommitteeHandlers } from './committee.handlers';
import { registerCommitteeRoutes } from './committee.routes';
import { envelopeOf, type Envelope } from './envelope';

/** The committee as other slices use it: money coming back to a call (funding-award's lapse and recovery, later). */
export interface Committee {
  giveBack: Envelope['giveBack'];
}

/** Ranked list, proposal, decisions within the envelope, reopening, promotion of the waitlist, minutes. */
export function registerCommittee(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies }): Committee {
  const ledgers = budgetStore(context);
  const envelope = envelopeOf({ ledgers, ...deps });
  registerCommitteeRoutes(context, { ...deps, ledgers, envelope });
  registerCommitteeHandlers(context, envelope);
  return { giveBack: envelope.giveBack };
}
