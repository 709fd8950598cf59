import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '../calls';
import type { Evaluations } from '../evaluations';
import type { Reviewers } from '../reviewers';
import { registerCallScores } from './call-scores.projection';
import { registerReviewRoutes } from './review.routes';

/** Blind scoring, completion, the evaluation sheet and reviewer statistics. */
export function registerReviews(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies; reviewers: Pick<Reviewers, 'pools'> }): void {
  const { pools } = deps.reviewers;
  registerReviewRoutes(context, {
    ...deps,
    scores: registerCallScores(context),
    // The statistics name each reviewer as the call's pool does.
    reviewerNames: async (callId) => new Map(((await pools.get(callId))?.reviewers ?? []).map((r) => [r.reviewerId, r.name])),
  });
}

export { completeIfReviewed, missingReviewers } from './review';
