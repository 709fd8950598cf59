import { z } from 'zod';
import { isoDate } from '@aap/contracts';
import { callerOf, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { AWARD_ACTORS, awardParams, awardView, type Awards } from '../awards';
import { typedText } from '../awards/request-text';
import { orderRecovery } from '../tranches/tranche';

export const recoveryOrderRequest = z.object({
  amountCents: z.number().int('a whole number of cents').describe('At most what was paid and not yet ordered back (rules amount-positive, recovery-within-paid)'),
  dueOn: isoDate.describe('When the beneficiary must pay it back (rule due-not-past)'),
  reason: typedText(2_000).describe('Why the money is asked back (told to the beneficiary)'),
});

/**
 * A finance officer orders money back by hand (titre de perception: an expense found ineligible after
 * payment, an audit); the balance orders back what it overpaid by itself. The orders are in the award's view.
 */
export function registerRecoveryRoutes(context: ServiceContext, awards: Awards): void {
  context.http.post(
    '/awards/:awardId/recovery-orders',
    {
      config: { access: { roles: AWARD_ACTORS.finance.roles }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'issueRecoveryOrder',
        tags: ['recoveries'],
        summary: 'A finance officer orders part of what was paid back, with an amount, a due date and a reason (award.recovery-ordered)',
        params: awardParams,
        body: recoveryOrderRequest,
        response: { 200: awardView },
      },
    },
    async (request) => awards.command(callerOf(request), request.params.awardId, 'finance', (award, by, now) => orderRecovery(award, { ...request.body, by }, now)),
  );
}
