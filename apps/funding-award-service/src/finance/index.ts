import type { ServiceContext } from '@aap/service-runtime';
import type { Awards } from '../awards';
import { registerFinanceQueueHandlers } from './finance-queues.handlers';
import { financeQueues } from './finance-queues.projection';
import { registerFinanceQueueRoutes } from './finance-queues.routes';

/** The finance officers' queues: tranches to validate or release, bank-detail changes to validate. */
export function registerFinanceQueues(context: ServiceContext, awards: Awards): void {
  const queues = financeQueues(context);
  registerFinanceQueueHandlers(context, { awards, queues });
  registerFinanceQueueRoutes(context, queues);
}
