import type { ServiceContext } from '@aap/service-runtime';
import type { Awards } from '../awards';
import { registerHistoryHandlers } from './history.handlers';
import { historyProjection } from './history.projection';
import { registerHistoryRoutes } from './history.routes';

/** Each award's schedule (from the award) and history (its events, kept by award). */
export function registerAwardHistory(context: ServiceContext, awards: Awards): void {
  const history = historyProjection(context);
  registerHistoryHandlers(context, history);
  registerHistoryRoutes(context, { awards, history });
}
