import { z } from 'zod';
import { awardSchedule, TRANCHE_KINDS } from '@aap/contracts';
import { callerOf, type Role } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { AWARD_STATUSES, awardParams, TRANCHE_STATUSES, type Awards } from '../awards';
import { scheduleOf } from './history';
import type { HistoryProjection } from './history.projection';

const cents = z.number().int();
const asked = { askedCents: cents, paidCents: cents };
const historyView = z.object({
  awardId: z.string(),
  number: z.string(),
  organisationId: z.string(),
  schedule: z.object({
    status: z.enum(AWARD_STATUSES),
    grantCents: cents,
    eligibleCostCents: cents,
    effectiveRateBps: z.number().int(),
    rules: awardSchedule.describe('The award’s schedule settings (caps in basis points, months)'),
    advance: z.object({ capCents: cents, ...asked }),
    interim: z.object({ capWithAdvanceCents: cents.describe('Cap of the advance and the interim payments together'), ...asked }),
    balance: z.object(asked),
    paidCents: cents,
    releasedCents: cents,
    recoveredCents: cents,
    outstandingCents: cents,
    deadlines: z.object({ notifiedAt: z.string(), startDeadline: z.string(), startExtended: z.boolean(), startedOn: z.string().nullable(), completionDeadline: z.string().nullable() }),
    tranches: z.array(
      z.object({
        trancheId: z.string(),
        kind: z.enum(TRANCHE_KINDS),
        status: z.enum(TRANCHE_STATUSES),
        amountCents: cents,
        expensesCents: cents.nullable(),
        requestedAt: z.string(),
        paidOn: z.string().nullable(),
        paymentReference: z.string().nullable(),
      }),
    ),
    recoveries: z.array(z.object({ recoveryId: z.string(), amountCents: cents, dueOn: z.string(), reason: z.string() })),
  }),
  history: z.array(
    z.object({
      eventId: z.string(),
      type: z.string(),
      at: z.string(),
      by: z.string().nullable(),
      details: z.record(z.string(), z.unknown()).describe('The event’s data without the award reference; IBANs masked'),
    }),
  ),
});

/** Who reads an award's schedule and history: its beneficiary (its own organisation's only), finance, the programme managers. */
const HISTORY_READERS = ['applicant', 'finance', 'programme-manager'] as const satisfies readonly Role[];

export function registerHistoryRoutes(context: ServiceContext, deps: { awards: Awards; history: HistoryProjection }): void {
  context.http.get(
    '/awards/:awardId/history',
    {
      config: { access: { roles: HISTORY_READERS } },
      schema: {
        operationId: 'getAwardHistory',
        tags: ['awards'],
        summary: 'An award’s payment schedule (caps, what was asked and paid per tranche, deadlines) and the history of its events in order (who, what, when; IBANs masked)',
        params: awardParams,
        response: { 200: historyView },
      },
    },
    async (request) => {
      const { awardId } = request.params;
      const [award, history] = await Promise.all([deps.awards.readable(callerOf(request), awardId), deps.history.load(awardId)]);
      return {
        awardId,
        number: award.number,
        organisationId: award.organisationId,
        schedule: { ...scheduleOf(award), rules: award.schedule },
        history: history?.entries ?? [],
      };
    },
  );
}
