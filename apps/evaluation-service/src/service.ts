import { ProbeLaunched, ProbeReachedEvaluation } from '@aap/contracts';
import { registerJourneyProbe } from '@aap/diagnostics';
import { runUpgrades, type ServiceModule } from '@aap/service-runtime';
import { registerCallCopies } from '@aap/service-runtime/call-copies';
import { registerEvaluations } from './evaluations';
import { registerAdmissibility } from './admissibility';
import { registerComplements } from './complements';
import { registerReviewerAssignments, registerReviewers } from './reviewers';
import { registerReviews } from './reviews';
import { registerCommittee } from './committee';

/** Eligibility, reviewers, scores and committee decisions. */
export const service: ServiceModule = {
  name: 'evaluation',
  description: 'Admissibility, reviewer assignments without conflicts, blind scoring on the grid and committee decisions within the envelope.',
  async register(context) {
    // Handlers of one event here rely on one another's writes (e.g. the committee's dossier.withdrawn after the
    // evaluations'): they run one after the other, in registration order.
    context.consumer.inRegistrationOrder();
    registerJourneyProbe(context, { receives: ProbeLaunched, relays: ProbeReachedEvaluation });
    // capabilities (one vertical slice per folder); dependencies flow one way: calls ← evaluations ← the use cases
    const calls = registerCallCopies(context);
    // Reviewer pools and the assigner (conflicts, balanced load); what needs the evaluations comes after them.
    const reviewers = registerReviewers(context, { calls });
    const evaluations = registerEvaluations(context, { calls });
    const admissibility = registerAdmissibility(context, { evaluations, calls, assigner: reviewers.assigner });
    registerComplements(context, { evaluations, calls, admissibility });
    registerReviewerAssignments(context, { evaluations, calls, reviewers });
    const reviews = registerReviews(context, { evaluations, calls, reviewers });
    const committee = registerCommittee(context, { evaluations, calls, scores: reviews.scores });
    // Documents written by earlier versions, upgraded before the consumer starts.
    await runUpgrades(context.db, committee.upgrades);
  },
};
