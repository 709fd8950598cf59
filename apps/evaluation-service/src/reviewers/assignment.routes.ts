import { z } from 'zod';
import type { CallSnapshot } from '@aap/contracts';
import { callerOf, paginated, paginationQuery, ROLE_SETS, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { andThen, CALL_MANAGERS, type Evaluations, type ReviewerAssigner } from '../evaluations';
import { dossierParams } from '../evaluations/evaluation.views';
import { activeAssignments, declareConflict } from './assignment';
import { ASSIGNMENT_STATES, workItemView } from './reviewer.views';
import type { WorkQueue } from './work-queue.projection';

const iso = (date: Date | undefined) => (date ? new Date(date).toISOString() : undefined);

const assignmentsView = z.object({
  dossierId: z.string(),
  assignments: z.array(z.object({ reviewerId: z.string(), name: z.string(), email: z.string(), state: z.string(), assignedAt: z.string(), dueAt: z.string() })),
  /** Reviewers the dossier still lacks (pool too small, or every other candidate in conflict). */
  missing: z.number().int(),
});

/**
 * Declared conflicts (the assigned reviewer recuses, a replacement is assigned in the same write),
 * a manager completing a dossier that lacked reviewers, and a reviewer's work queue.
 */
export function registerAssignmentRoutes(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies; assigner: ReviewerAssigner; queue: WorkQueue }): void {
  const { evaluations, calls, assigner, queue } = deps;
  const callOf = calls.found;

  context.http.post(
    '/evaluations/:dossierId/conflicts',
    {
      config: { access: { roles: ['reviewer'] }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'declareConflictOfInterest',
        tags: ['reviewers'],
        summary: 'Declare a conflict of interest on an assigned dossier: the assignment ends at once and another reviewer is assigned',
        params: dossierParams,
        body: z.object({ reason: z.string().trim().min(1).max(2_000).describe('Why the reviewer cannot review this dossier impartially') }),
        response: { 201: z.object({ dossierId: z.string(), reviewerId: z.string(), reason: z.string(), recusedAt: z.string() }) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { dossierId } = request.params;
      const now = new Date();
      await evaluations.command(caller, dossierId, async (current) =>
        andThen(declareConflict(current, caller.userId, request.body.reason, now), async (recused) => assigner.assign(recused, await callOf(recused.callId), 'conflict-replacement', now)),
      );
      // Nothing else is answered: the reviewer no longer reads this dossier, nor learns who replaces them.
      return reply.status(201).send({ dossierId, reviewerId: caller.userId, reason: request.body.reason, recusedAt: now.toISOString() });
    },
  );

  context.http.post(
    '/evaluations/:dossierId/assignments',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'assignReviewers',
        tags: ['reviewers'],
        summary: 'Assign the reviewers a dossier still lacks (once the pool has grown); nothing changes when it lacks none',
        params: dossierParams,
        response: { 200: assignmentsView },
      },
    },
    async (request) => {
      const now = new Date();
      let call: CallSnapshot | undefined;
      const state = await evaluations.command(callerOf(request), request.params.dossierId, async (current) => {
        call = await callOf(current.callId);
        return assigner.assign(current, call, 'completed-by-manager', now);
      }, { access: CALL_MANAGERS });
      return {
        dossierId: state.dossierId,
        assignments: state.assignments.map((a) => ({ reviewerId: a.reviewerId, name: a.name, email: a.email, state: a.state, assignedAt: iso(a.assignedAt)!, dueAt: iso(a.dueAt)! })),
        missing: Math.max(0, call!.reviewersPerDossier - activeAssignments(state).length),
      };
    },
  );

  context.http.get(
    '/reviewers/me/assignments',
    {
      config: { access: { roles: ['reviewer'] } },
      schema: {
        operationId: 'listMyAssignments',
        tags: ['reviewers'],
        summary: "The caller's work queue: their open and submitted assignments, the nearest deadline first",
        querystring: paginationQuery,
        response: { 200: paginated(workItemView) },
      },
    },
    async (request) => {
      const page = await queue.ofReviewer(callerOf(request).userId, request.query);
      return {
        ...page,
        items: page.items.map((item) => ({
          dossierId: item.dossierId,
          number: item.number,
          callId: item.callId,
          waveId: item.waveId,
          title: item.title,
          stage: item.stage,
          state: ASSIGNMENT_STATES.includes(item.state) ? item.state : 'assigned',
          assignedAt: iso(item.assignedAt)!,
          dueAt: iso(item.dueAt)!,
          ...(item.remindedAt ? { remindedAt: iso(item.remindedAt) } : {}),
          ...(item.submittedAt ? { submittedAt: iso(item.submittedAt) } : {}),
        })),
      };
    },
  );
}
