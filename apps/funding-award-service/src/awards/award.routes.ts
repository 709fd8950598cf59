import { z } from 'zod';
import { callerOf, notFound, policies, type Role } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { awardView, toView } from './award.views';
import type { AwardState } from './award';

/** Who reads awards: finance and the programme managers every one, operators, and a beneficiary its own. */
export const AWARD_READERS = ['applicant', 'programme-manager', 'finance', 'admin'] as const satisfies readonly Role[];

export const awardParams = z.object({ awardId: z.string().min(1).max(100) });

export function registerAwardRoutes(context: ServiceContext, awards: { load(awardId: string): Promise<AwardState | null> }): void {
  context.http.get(
    '/awards/:awardId',
    {
      config: { access: { roles: AWARD_READERS } },
      schema: {
        tags: ['awards'],
        summary: 'An award: grant, exact rate, schedule and caps, what was paid, released and ordered back, its agreement, bank details (masked) and tranches',
        params: awardParams,
        response: { 200: awardView },
      },
    },
    async (request) => {
      const { awardId } = request.params;
      const award = await awards.load(awardId);
      if (!award) throw notFound(`Award ${awardId}`);
      policies.ownOrganisation(callerOf(request), award.organisationId, `Award ${awardId}`);
      return toView(award);
    },
  );
}
