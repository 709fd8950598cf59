import { z } from 'zod';
import { isoDate } from '@aap/contracts';
import { callerOf, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { dossierParams, EVALUATION_READERS, type Evaluations } from '../evaluations';
import { evaluationSummary, toSummary } from '../evaluations/evaluation.views';
import { requestComplement } from './complement';

const complementRequest = z.object({
  message: z.string().trim().min(1).max(5_000).describe('What the applicant must complete or correct (sent to the applicant)'),
  dueDate: isoDate.optional(),
});

/** A reviewer assigned to the dossier, or a programme manager, asks the applicant for a complement. */
export function registerComplementRoutes(context: ServiceContext, evaluations: Evaluations): void {
  context.http.post(
    '/evaluations/:dossierId/complement-requests',
    {
      // The committee decides; asking for complements is for the dossier's reviewers and its managers.
      config: { access: { roles: EVALUATION_READERS.filter((role) => role !== 'committee') }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'requestComplement',
        tags: ['complements'],
        summary: 'Ask the applicant for a complement: the dossier goes back to the applicant and the evaluation pauses until it is resubmitted',
        params: dossierParams,
        body: complementRequest,
        response: { 201: evaluationSummary },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const requestedByRole = caller.roles.includes('programme-manager') || caller.roles.includes('admin') ? 'programme-manager' : 'reviewer';
      const state = await evaluations.command(caller, request.params.dossierId, (current) =>
        requestComplement(current, { ...request.body, requestedByRole, requestedBy: caller.userId }, new Date()),
      );
      return reply.status(201).send(toSummary(state));
    },
  );
}
