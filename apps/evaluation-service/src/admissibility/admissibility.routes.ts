import { z } from 'zod';
import type { CallSnapshot } from '@aap/contracts';
import { callerOf, ROLE_SETS, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { andThen, CALL_MANAGERS, dossierParams, type EvaluationDecision, type EvaluationState, type Evaluations } from '../evaluations';
import { evaluationSummary, toSummary } from '../evaluations/evaluation.views';
import { assessChecklist } from './admissibility';

const assessment = z.object({
  checks: z
    .array(
      z.object({
        checkId: z.string().min(1).max(100),
        passed: z.boolean(),
        detail: z.string().max(2_000).optional().describe('Required when the item fails: the reason given to the applicant'),
      }),
    )
    .max(30),
});

/** A programme manager ticks the call's admissibility checklist of a dossier (automatic checks are already in). */
export function registerAdmissibilityRoutes(context: ServiceContext, deps: {
    evaluations: Evaluations;
    calls: CallCopies;
    /** Admissible → the reviewers it lacks (index.ts `thenAssign`). */
    thenAssign: (call: CallSnapshot, now: Date) => (state: EvaluationState) => Promise<EvaluationDecision> | EvaluationDecision;
  },): void {
  const { evaluations, calls, thenAssign } = deps;
  context.http.post(
    '/evaluations/:dossierId/admissibility',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'recordAdmissibility',
        tags: ['admissibility'],
        summary: "Assess a dossier's admissibility on the call's checklist: admissible → reviewers assigned; inadmissible → rejected with the reasons",
        params: dossierParams,
        body: assessment,
        response: { 200: evaluationSummary },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { dossierId } = request.params;
      const now = new Date();
      const state = await evaluations.command(caller, dossierId, async (current) => {
        const call = await calls.found(current.callId);
        return andThen(assessChecklist(current, request.body.checks, caller.userId, now), thenAssign(call, now));
      }, { access: CALL_MANAGERS });
      return toSummary(state);
    },
  );
}
