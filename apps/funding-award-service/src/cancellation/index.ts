import type { ServiceContext } from '@aap/service-runtime';
import type { Awards } from '../awards';
import { registerCancellationHandlers } from './cancellation.handlers';
import { registerCancellationRoutes } from './cancellation.routes';

/** Cancellations: the dossier withdrawn, the decision reopened (consumed events), the beneficiary's renunciation (route). */
export function registerCancellation(context: ServiceContext, awards: Awards): void {
  registerCancellationHandlers(context, awards);
  registerCancellationRoutes(context, awards);
}
