import { z } from 'zod';
import { callerOf, notFound, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { EVALUATION_OVERSIGHT, EVALUATION_READERS, isAssignedReviewer, overseesCall, READERS, reviewsDossier, teamCall, type Evaluations } from '../evaluations';
import { dossierParams } from '../evaluations/evaluation.views';
import { MIN_REVIEWS_TO_NORMALISE, TENDENCY_THRESHOLD_IN_CALL_STD_DEVS } from '../scoring/scoring';
import type { CallScores } from './call-scores.projection';
import { submitReview } from './review';
import { evaluationSheet, reviewerStatistics, toReviewerStatistics, toSheet } from './review.views';

/**
 * Shapes only: bounds, integers, comments and completeness are the grid's rules (scoring core),
 * answered 422 with one entry per failing field.
 */
const reviewBody = z.object({
  scores: z
    .array(
      z.object({
        criterionId: z.string().max(100),
        score: z.number().describe('A whole number from 0 to the criterion maxScore'),
        comment: z.string().max(20_000).optional().describe('Required: why this score (1–2000 characters)'),
      }),
    )
    .max(50)
    .describe('One entry per criterion of the call grid'),
});

const callParams = z.object({ callId: z.string().min(1).max(100) });

const TENDENCY_RULE = `lenient (harsh) when the reviewer's mean is more than ${TENDENCY_THRESHOLD_IN_CALL_STD_DEVS} call standard deviation above (below) the call's mean; neutral otherwise and below ${MIN_REVIEWS_TO_NORMALISE} reviews`;

/** The names of a call's reviewers (the reviewers slice's pool). */
export type ReviewerNames = (callId: string) => Promise<ReadonlyMap<string, string>>;

export function registerReviewRoutes(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies; scores: CallScores; reviewerNames: ReviewerNames }): void {
  const { evaluations, calls, scores, reviewerNames } = deps;
  const callOf = calls.found;

  context.http.post(
    '/evaluations/:dossierId/reviews',
    {
      config: { access: { roles: ['reviewer'] }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'submitReview',
        tags: ['reviews'],
        summary: "The assigned reviewer's scores on every criterion of the call's grid, each with a comment; final once submitted (blind review)",
        params: dossierParams,
        body: reviewBody,
        response: { 201: evaluationSheet },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { dossierId } = request.params;
      const entered = request.body.scores.map((s) => ({ criterionId: s.criterionId, score: s.score, comment: s.comment ?? '' }));
      const state = await evaluations.command(caller, dossierId, async (current) => {
        // A caller holding another role too reads every dossier, but scores only the ones assigned to them.
        if (!isAssignedReviewer(current, caller.userId)) throw notFound(`Evaluation of dossier ${dossierId}`);
        return submitReview(current, await callOf(current.callId), { reviewerId: caller.userId, scores: entered }, new Date());
      });
      const call = await callOf(state.callId);
      return reply.status(201).send(toSheet(state, call, { oversight: false, reviewerId: caller.userId }));
    },
  );

  context.http.get(
    '/evaluations/:dossierId/sheet',
    {
      config: { access: { roles: EVALUATION_READERS } },
      schema: {
        operationId: 'getEvaluationSheet',
        tags: ['reviews'],
        summary: "A dossier's evaluation sheet: reviews (blind for a reviewer until they submit theirs), raw and normalised scores, criterion means, eliminations, disagreement, what changed",
        params: dossierParams,
        response: { 200: evaluationSheet },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const state = await evaluations.readable(caller, request.params.dossierId);
      const call = await callOf(state.callId);
      // Separation of duties: whoever reviews this dossier reads it as its reviewer, whatever else they are on the team.
      if (!overseesCall(caller, call) || reviewsDossier(state, caller.userId)) return toSheet(state, call, { oversight: false, reviewerId: caller.userId });
      // Normalisation needs every submitted review of the call (all waves): the reviewers' score documents of the call.
      return toSheet(state, call, { oversight: true, normalisation: await scores.normalisation(state.callId) });
    },
  );

  context.http.get(
    '/calls/:callId/reviewer-statistics',
    {
      config: { access: { roles: EVALUATION_OVERSIGHT } },
      schema: {
        operationId: 'getReviewerStatistics',
        tags: ['reviews'],
        summary: "Per reviewer of a call: reviews, mean, standard deviation, deviation from the call's mean, lenient/harsh/neutral",
        params: callParams,
        response: { 200: reviewerStatistics },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { callId } = request.params;
      await teamCall(calls, caller, callId, READERS.team);
      const [norm, names] = await Promise.all([scores.normalisation(callId), reviewerNames(callId)]);
      const reviewsHere = names.has(caller.userId) || norm.reviewers().some((r) => r.reviewerId === caller.userId);
      return toReviewerStatistics(callId, names, norm, TENDENCY_RULE, reviewsHere ? caller.userId : undefined);
    },
  );
}
