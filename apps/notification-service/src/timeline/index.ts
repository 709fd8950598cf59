import type { ServiceContext } from '@aap/service-runtime';
import { timelineProjection } from './timeline.projection';
import { timelineRoutes } from './timeline.routes';

/** The applicant view's allow-list of event fields (an organisation's webhooks send the same). */
export { APPLICANT_FIELDS, at } from './timeline.views';

/** The per-dossier timeline: a read model kept from every dossier and call event, and its routes. */
export function registerTimeline(context: ServiceContext): void {
  const timeline = timelineProjection(context);
  timeline.subscribe(context.consumer);
  timelineRoutes(context.http, timeline);
}
