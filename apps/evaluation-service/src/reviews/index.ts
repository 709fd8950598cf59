import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '../calls';
import type { Evaluations } from '../evaluations';
import { registerReviewRoutes } from './review.routes';

/** Blind scoring, completion, the evaluation sheet and reviewer statistics. */
export function registerReviews(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies }): void {
  registerReviewRoutes(context, deps);
}

export { callNormalisation, completeIfReviewed, missingReviewers } from './review';
