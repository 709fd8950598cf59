import { ProbeLaunched } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import type { ServiceModule } from '@aap/service-runtime';

/** Calls for projects, applicant organisations and dossiers: the platform's front door. */
export const service: ServiceModule = {
  name: 'submission',
  description: 'Calls for projects, applicant organisations, dossiers and their attachments.',
  register(context) {
    registerJourneyProbe(context, { relays: ProbeLaunched });
    // capabilities (one vertical slice per folder)
  },
};
