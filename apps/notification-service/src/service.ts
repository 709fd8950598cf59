import { ProbeReachedFundingAward } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import type { ServiceModule } from '@aap/service-runtime';

/** Notifications, inbox, e-mails, webhooks and the per-dossier timeline. */
export const service: ServiceModule = {
  name: 'notification',
  description: 'Notifications by e-mail, in-app inbox and signed webhooks; the per-dossier timeline.',
  register(context) {
    registerJourneyProbe(context, { receives: ProbeReachedFundingAward });
  },
};
