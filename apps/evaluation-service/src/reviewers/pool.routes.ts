import { z } from 'zod';
import { callerOf, noContentAnswer, notFound, pageOf, paginated, paginationQuery, ROLE_SETS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { CALL_MANAGERS, EVALUATION_OVERSIGHT, READERS, teamCall } from '../evaluations';
import { removeReviewer, upsertReviewer } from './pool';
import type { PoolStore } from './pool.store';
import { reviewerProfile, reviewerView, toReviewerView } from './reviewer.views';

const callParams = z.object({ callId: z.string().min(1).max(100) });
const reviewerParams = callParams.extend({ reviewerId: z.string().min(1).max(200).describe('The reviewer’s user id (token `sub`)') });
const tags = ['reviewers'];

/** A call's reviewer pool: its team's programme managers add, update and remove reviewers; its managers and committee list them with their load. */
export function registerPoolRoutes(context: ServiceContext, deps: { pools: PoolStore; calls: CallCopies }): void {
  const { pools, calls } = deps;

  context.http.put(
    '/calls/:callId/reviewers/:reviewerId',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: [409] },
      schema: { operationId: 'savePoolReviewer', tags, summary: 'Add a reviewer to the call’s pool, or update their profile (idempotent)', params: reviewerParams, body: reviewerProfile, response: { 200: reviewerView } },
    },
    async (request) => {
      const { callId, reviewerId } = request.params;
      await teamCall(calls, callerOf(request), callId, CALL_MANAGERS.team);
      const { epciSiren, organisationSiren, ...profile } = request.body;
      const { after } = await pools.decide(callId, (pool) => upsertReviewer(pool, reviewerId, { ...profile, ...(epciSiren ? { epciSiren } : {}), ...(organisationSiren ? { organisationSiren } : {}) }));
      return toReviewerView(after!.reviewers.find((r) => r.reviewerId === reviewerId)!);
    },
  );

  context.http.get(
    '/calls/:callId/reviewers',
    {
      config: { access: { roles: EVALUATION_OVERSIGHT } },
      schema: { operationId: 'listPoolReviewers', tags, summary: 'The call’s reviewers with their open assignments (load), by reviewer id', params: callParams, querystring: paginationQuery, response: { 200: paginated(reviewerView) } },
    },
    async (request) => {
      const { callId } = request.params;
      await teamCall(calls, callerOf(request), callId, READERS.team);
      // One document per call: the page is cut in memory (a pool is a few hundred reviewers at most).
      const active = ((await pools.get(callId))?.reviewers ?? []).filter((r) => r.active).sort((a, b) => (a.reviewerId < b.reviewerId ? -1 : 1));
      const page = pageOf(active, request.query);
      return { ...page, items: page.items.map(toReviewerView) };
    },
  );

  context.http.delete(
    '/calls/:callId/reviewers/:reviewerId',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: [409] },
      schema: { operationId: 'removePoolReviewer', tags, summary: 'Remove a reviewer from the call’s pool: no new assignments (the current ones go on)', params: reviewerParams, response: { 204: noContentAnswer('The reviewer is out of the pool') } },
    },
    async (request, reply) => {
      const { callId, reviewerId } = request.params;
      await teamCall(calls, callerOf(request), callId, CALL_MANAGERS.team);
      const { decision } = await pools.decide(callId, (pool) => removeReviewer(pool, reviewerId));
      if (decision.outcome !== 'accepted') throw notFound(`Reviewer ${reviewerId} in the pool of call ${callId}`);
      return reply.status(204).send();
    },
  );
}
