import { z } from 'zod';
import { callerOf, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { AWARD_ACTORS, awardParams, awardView, type Awards } from '../awards';
import { typedText } from '../awards/request-text';
import { renounceAward } from './cancellation';

export const renunciation = z.object({ reason: typedText(2_000).describe('Why the beneficiary renounces the award (rule reason-required)') });

export function registerCancellationRoutes(context: ServiceContext, awards: Awards): void {
  context.http.post(
    '/awards/:awardId/renunciation',
    {
      config: { access: { roles: AWARD_ACTORS.beneficiary.roles }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'renounceAward',
        tags: ['awards'],
        summary: 'The beneficiary renounces its award: it is cancelled, nothing more is paid, the unpaid amount goes back to the call (409 once closed)',
        params: awardParams,
        body: renunciation,
        response: { 200: awardView },
      },
    },
    async (request) => awards.command(callerOf(request), request.params.awardId, 'beneficiary', (award, _by, now) => renounceAward(award, request.body, now)),
  );
}
