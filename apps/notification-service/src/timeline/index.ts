import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { timelineProjection } from './timeline.projection';
import { timelineRoutes } from './timeline.routes';

/** The applicant view's allow-list of event fields (an organisation's webhooks send the same). */
export { APPLICANT_FIELDS, at } from './timeline.views';

/** The per-dossier timeline: a read model kept from every dossier and call event, and its routes (staff: their teams' calls, from the service's call copies). */
export function registerTimeline(context: ServiceContext, calls: Pick<CallCopies, 'get'>): void {
  const timeline = timelineProjection(context);
  timeline.subscribe(context.consumer);
  timelineRoutes(context.http, timeline, calls);
}
