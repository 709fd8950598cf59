import { awardEvents, type AwardReference } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import type { HistoryProjection } from './history.projection';

/** Every event of an award becomes an entry of its history (the catalogue's award events: a new one is followed without a change here). */
export function registerHistoryHandlers(context: ServiceContext, history: HistoryProjection): void {
  for (const definition of awardEvents) {
    context.consumer.on(definition, (event) => history.append((event.data as AwardReference).awardId, event));
  }
}
