import { z } from 'zod';
import { callerOf } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { EVALUATION_READERS } from './access';
import { evaluationSummary, toSummary } from './evaluation.views';
import type { Evaluations } from './index';

export const dossierParams = z.object({ dossierId: z.string().min(1).max(100) });

export function registerEvaluationRoutes(context: ServiceContext, evaluations: Evaluations): void {
  context.http.get(
    '/evaluations/:dossierId',
    {
      config: { access: { roles: EVALUATION_READERS } },
      schema: {
        tags: ['evaluations'],
        summary: "A dossier's evaluation: the submitted dossier, what changed at its last resubmission, admissibility and complements",
        params: dossierParams,
        response: { 200: evaluationSummary },
      },
    },
    async (request) => toSummary(await evaluations.readable(callerOf(request), request.params.dossierId)),
  );
}
