import { ProbeReachedEvaluation, ProbeReachedFundingAward } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import type { ServiceModule } from '@aap/service-runtime';
import { registerAwards } from './awards';

/** Awards, agreements, the budget ledger, tranches, payments and recoveries. */
export const service: ServiceModule = {
  name: 'funding-award',
  description: 'Awards, agreements, budget ledger, tranches, payments and recovery orders.',
  register(context) {
    registerJourneyProbe(context, { receives: ProbeReachedEvaluation, relays: ProbeReachedFundingAward });
    registerAwards(context);
  },
};
