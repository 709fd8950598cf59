import { callerOf, type Caller } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { EVALUATION_READERS } from './access';
import type { EvaluationState } from './evaluation';
import { dossierParams, evaluationSummary, toSummary } from './evaluation.views';

export function registerEvaluationRoutes(context: ServiceContext, readable: (caller: Caller, dossierId: string) => Promise<EvaluationState>): void {
  context.http.get(
    '/evaluations/:dossierId',
    {
      config: { access: { roles: EVALUATION_READERS } },
      schema: {
        operationId: 'getEvaluation',
        tags: ['evaluations'],
        summary: "A dossier's evaluation: the submitted dossier, what changed at its last resubmission, admissibility and complements",
        params: dossierParams,
        response: { 200: evaluationSummary },
      },
    },
    async (request) => toSummary(await readable(callerOf(request), request.params.dossierId)),
  );
}
