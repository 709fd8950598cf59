import { z } from 'zod';
import { callerOf, type Caller, type Role } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { awardView, toView } from './award.views';
import type { AwardState } from './award';

/** Who reads awards: the finance officers and programme managers of the award's call's team, operators, and a beneficiary its own. */
export const AWARD_READERS = ['applicant', 'programme-manager', 'finance', 'admin'] as const satisfies readonly Role[];

export const awardParams = z.object({ awardId: z.string().min(1).max(100) });

export function registerAwardRoutes(context: ServiceContext, awards: { readable(caller: Caller, awardId: string): Promise<AwardState> }): void {
  context.http.get(
    '/awards/:awardId',
    {
      config: { access: { roles: AWARD_READERS } },
      schema: {
        operationId: 'getAward',
        tags: ['awards'],
        summary: 'An award: grant, exact rate, schedule and caps, what was paid, released and ordered back, its agreement, bank details (masked) and tranches',
        params: awardParams,
        response: { 200: awardView },
      },
    },
    async (request) => toView(await awards.readable(callerOf(request), request.params.awardId)),
  );
}
