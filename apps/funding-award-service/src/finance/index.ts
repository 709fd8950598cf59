import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { Awards } from '../awards';
import { registerFinanceQueueHandlers } from './finance-queues.handlers';
import { financeQueues } from './finance-queues.projection';
import { registerFinanceQueueRoutes } from './finance-queues.routes';

/** The finance officers' queues: tranches to validate or release, bank-detail changes to validate. */
export function registerFinanceQueues(context: ServiceContext, deps: { awards: Awards; calls: CallCopies }): void {
  const { awards } = deps;
  const queues = financeQueues(context);
  registerFinanceQueueHandlers(context, { awards, queues });
  registerFinanceQueueRoutes(context, queues, deps.calls);
}
