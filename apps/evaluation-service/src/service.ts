import { ProbeLaunched, ProbeReachedEvaluation } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import type { ServiceModule } from '@aap/service-runtime';

/** Eligibility, reviewers, scores and committee decisions. */
export const service: ServiceModule = {
  name: 'evaluation',
  description: 'Eligibility checks, reviewer assignments, scoring on the grid and committee decisions.',
  register(context) {
    registerJourneyProbe(context, { receives: ProbeLaunched, relays: ProbeReachedEvaluation });
  },
};
