import { ProbeReachedEvaluation, ProbeReachedFundingAward } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import type { ServiceModule } from '@aap/service-runtime';
import { registerCallCopies } from '@aap/service-runtime/call-copies';
import { registerAwards } from './awards';
import { registerBankDetails } from './bank-details';
import { registerExecution } from './execution';
import { registerFinanceQueues } from './finance';
import { registerAwardHistory } from './history';
import { registerLedger } from './ledger';
import { registerPayments } from './payments';
import { registerTranches } from './tranches';

/** Awards, agreements, the budget ledger, tranches, payments and recoveries. */
export const service: ServiceModule = {
  name: 'funding-award',
  description: 'Awards, agreements, budget ledger, tranches, payments and recovery orders.',
  register(context) {
    registerJourneyProbe(context, { receives: ProbeReachedEvaluation, relays: ProbeReachedFundingAward });
    const calls = registerCallCopies(context);
    const awards = registerAwards(context);
    registerExecution(context, awards);
    registerBankDetails(context, awards);
    registerTranches(context, awards);
    registerFinanceQueues(context, awards);
    registerLedger(context, awards);
    registerPayments(context, { awards, calls });
    registerAwardHistory(context, awards);
  },
};
