import { ProbeReachedEvaluation, ProbeReachedFundingAward } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import type { ServiceModule } from '@aap/service-runtime';
import { registerAgreements } from './agreements';
import { registerAwards } from './awards';
import { registerBankDetails } from './bank-details';
import { registerCancellation } from './cancellation';
import { registerCopies } from './copies';
import { registerExecution } from './execution';
import { registerFinanceQueues } from './finance';
import { registerAwardHistory } from './history';
import { registerLedger } from './ledger';
import { registerLegalCommitment } from './legal-commitment';
import { registerPayments } from './payments';
import { registerRecoveries } from './recoveries';
import { registerTranches } from './tranches';

/** Awards, agreements, the budget ledger, tranches, payments and recoveries. */
export const service: ServiceModule = {
  name: 'funding-award',
  description: 'Awards, agreements, budget ledger, tranches, payments and recovery orders.',
  async register(context) {
    // Handlers of one event here may rely on one another's writes (copies, the award, its queues and
    // ledger): they run one after the other, in registration order, as they were written for.
    context.consumer.inRegistrationOrder();
    registerJourneyProbe(context, { receives: ProbeReachedEvaluation, relays: ProbeReachedFundingAward });
    // The calls and the dossiers as submitted, kept from their events: each award names its beneficiary, project and call.
    const copies = registerCopies(context);
    const awards = registerAwards(context, copies);
    await registerExecution(context, awards);
    registerAgreements(context, awards);
    registerBankDetails(context, awards);
    registerLegalCommitment(context, awards);
    registerTranches(context, awards);
    registerFinanceQueues(context, { awards, calls: copies.calls });
    registerLedger(context, { awards, calls: copies.calls });
    registerPayments(context, { awards, calls: copies.calls });
    registerAwardHistory(context, awards);
    registerCancellation(context, awards);
    registerRecoveries(context, awards);
  },
};
