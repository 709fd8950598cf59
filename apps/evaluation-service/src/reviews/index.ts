import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { Evaluations } from '../evaluations';
import type { Reviewers } from '../reviewers';
import { registerCallScores, type CallScores } from './call-scores.projection';
import { registerReviewRoutes } from './review.routes';

/** The reviews as other slices use them: the call's normalisation from its score projection (the committee's ranking). */
export interface Reviews {
  scores: CallScores;
}

/** Blind scoring, completion, the evaluation sheet and reviewer statistics. */
export function registerReviews(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies; reviewers: Pick<Reviewers, 'pools'> }): Reviews {
  const { pools } = deps.reviewers;
  const scores = registerCallScores(context);
  registerReviewRoutes(context, {
    ...deps,
    scores,
    // The statistics name each reviewer as the call's pool does.
    reviewerNames: async (callId) => new Map(((await pools.get(callId))?.reviewers ?? []).map((r) => [r.reviewerId, r.name])),
  });
  return { scores };
}

export type { CallScores };
export { completeIfReviewed, missingReviewers } from './review';
