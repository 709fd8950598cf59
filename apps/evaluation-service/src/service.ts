import { accepted, ProbeLaunched, ProbeReachedEvaluation } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import type { ServiceModule } from '@aap/service-runtime';
import { registerCallCopies } from './calls';
import { registerEvaluations, type ReviewerAssigner } from './evaluations';
import { registerAdmissibilityRoutes } from './admissibility/admissibility.routes';
import { registerComplementRoutes } from './complements/complement.routes';
import { registerCommittee } from './committee';

/** Eligibility, reviewers, scores and committee decisions. */
export const service: ServiceModule = {
  name: 'evaluation',
  description: 'Admissibility, reviewer assignments without conflicts, blind scoring on the grid and committee decisions within the envelope.',
  register(context) {
    registerJourneyProbe(context, { receives: ProbeLaunched, relays: ProbeReachedEvaluation });
    // capabilities (one vertical slice per folder); dependencies flow one way: calls ← evaluations ← the use cases
    const calls = registerCallCopies(context);
    // Replaced by the reviewers slice (pool, conflicts, balanced assignment) as it lands.
    const assigner: ReviewerAssigner = { assign: async (state) => accepted(state) };
    const evaluations = registerEvaluations(context, { calls, assigner });
    registerAdmissibilityRoutes(context, { evaluations, calls, assigner });
    registerComplementRoutes(context, evaluations);
    registerCommittee(context, { evaluations, calls });
  },
};
