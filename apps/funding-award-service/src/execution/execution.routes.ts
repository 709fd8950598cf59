import { z } from 'zod';
import { isoDate } from '@aap/contracts';
import { callerOf } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { AWARD_ACTORS, awardParams, awardView, type Awards } from '../awards';
import { declareStart } from './execution';

export const startDeclaration = z.object({ startedOn: isoDate.describe('The day execution started (Europe/Paris), not in the future, not after the start deadline') });

export function registerExecutionRoutes(context: ServiceContext, awards: Awards): void {
  context.http.post(
    '/awards/:awardId/execution-start',
    {
      config: { access: { roles: AWARD_ACTORS.beneficiary.roles } },
      schema: {
        tags: ['awards'],
        summary: 'The beneficiary declares the start of execution (rules start-not-future, start-deadline); the advance may then be asked',
        params: awardParams,
        body: startDeclaration,
        response: { 200: awardView },
      },
    },
    async (request) => awards.command(callerOf(request), request.params.awardId, 'beneficiary', (award, by, now) => declareStart(award, { ...request.body, by }, now)),
  );
}
