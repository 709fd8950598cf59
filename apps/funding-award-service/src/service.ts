import { ProbeReachedEvaluation, ProbeReachedFundingAward } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import type { ServiceModule } from '@aap/service-runtime';
import { registerAwards } from './awards';
import { registerBankDetails } from './bank-details';
import { registerCancellation } from './cancellation';
import { registerExecution } from './execution';
import { registerFinanceQueues } from './finance';
import { registerRecoveries } from './recoveries';
import { registerTranches } from './tranches';

/** Awards, agreements, the budget ledger, tranches, payments and recoveries. */
export const service: ServiceModule = {
  name: 'funding-award',
  description: 'Awards, agreements, budget ledger, tranches, payments and recovery orders.',
  async register(context) {
    registerJourneyProbe(context, { receives: ProbeReachedEvaluation, relays: ProbeReachedFundingAward });
    const awards = registerAwards(context);
    await registerExecution(context, awards);
    registerBankDetails(context, awards);
    registerTranches(context, awards);
    registerFinanceQueues(context, awards);
    registerCancellation(context, awards);
    registerRecoveries(context, awards);
  },
};
