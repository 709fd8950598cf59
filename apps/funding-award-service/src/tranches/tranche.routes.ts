import { z } from 'zod';
import { isoDate } from '@aap/contracts';
import { callerOf, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { AWARD_ACTORS, awardParams, awardView, type Awards } from '../awards';
import { typedText } from '../awards/request-text';
import { recordPayment, refuseTranche, releaseTranche, requestAdvance, requestBalance, requestInterim, validateTranche } from './tranche';

const positiveCents = z.number().int('a whole number of cents').positive();
const expenseLine = z.object({
  supplier: typedText(200),
  date: isoDate.describe('Invoice date'),
  amountCents: positiveCents,
  category: typedText(100).describe('Expense category of the budget (equipment, services, staff…)'),
});

export const advanceRequest = z.object({ amountCents: positiveCents.optional().describe('At most the schedule’s advance share (rule advance-cap); the whole of it when absent') }).default({});
export const interimRequest = z.object({
  amountCents: positiveCents.describe('Rules interim-cap (advance + interim ≤ the cumulated cap) and interim-within-expenses'),
  expenses: z.array(expenseLine).min(1).max(1_000).describe('The expense statement'),
});
export const balanceRequest = z.object({ actualEligibleExpensesCents: z.number().int('a whole number of cents').nonnegative().describe('The actual eligible expenses of the final report') });
export const trancheValidation = z.object({
  retainedExpensesCents: z.number().int().nonnegative().optional().describe('Balance only: the expenses retained (≤ those declared; rule retained-within-declared)'),
}).default({});
export const trancheRefusal = z.object({ reason: typedText(2_000).describe('Why the tranche is refused (told to the beneficiary)') });
export const paymentRecord = z.object({ paymentReference: typedText(100).describe('The accounting system’s payment reference'), paidOn: isoDate });
const trancheParams = awardParams.extend({ trancheId: z.string().min(1).max(120) });

export function registerTrancheRoutes(context: ServiceContext, awards: Awards): void {
  const { http } = context;
  const tags = ['tranches'];
  const beneficiary = { access: { roles: AWARD_ACTORS.beneficiary.roles }, problems: COMMAND_REFUSALS };
  const finance = { access: { roles: AWARD_ACTORS.finance.roles }, problems: COMMAND_REFUSALS };

  http.post(
    '/awards/:awardId/tranches/advance',
    { config: beneficiary, schema: { operationId: 'requestAdvanceTranche', tags, summary: 'The beneficiary asks for the advance, after the declared start (≤ 30 % of the grant, once)', params: awardParams, body: advanceRequest, response: { 200: awardView } } },
    async (request) => awards.command(callerOf(request), request.params.awardId, 'beneficiary', (award, by, now) => requestAdvance(award, { ...request.body, by }, now)),
  );

  http.post(
    '/awards/:awardId/tranches/interim',
    { config: beneficiary, schema: { operationId: 'requestInterimTranche', tags, summary: 'The beneficiary asks for an interim payment on an expense statement (cumulated ≤ 80 %)', params: awardParams, body: interimRequest, response: { 200: awardView } } },
    async (request) => awards.command(callerOf(request), request.params.awardId, 'beneficiary', (award, by, now) => requestInterim(award, { ...request.body, by }, now)),
  );

  http.post(
    '/awards/:awardId/tranches/balance',
    {
      config: beneficiary,
      schema: { operationId: 'requestBalanceTranche', tags, summary: 'The beneficiary asks for the balance on the final report: rate × actual eligible expenses, capped at the grant, minus what was paid', params: awardParams, body: balanceRequest, response: { 200: awardView } },
    },
    async (request) => awards.command(callerOf(request), request.params.awardId, 'beneficiary', (award, by, now) => requestBalance(award, { ...request.body, by }, now)),
  );

  http.post(
    '/awards/:awardId/tranches/:trancheId/validate',
    { config: finance, schema: { operationId: 'validateTranche', tags, summary: 'A finance officer validates a requested tranche (for the balance, on the expenses retained)', params: trancheParams, body: trancheValidation, response: { 200: awardView } } },
    async (request) => {
      const { awardId, trancheId } = request.params;
      return awards.command(callerOf(request), awardId, 'finance', (award, by, now) => validateTranche(award, { trancheId, by, ...request.body }, now));
    },
  );

  http.post(
    '/awards/:awardId/tranches/:trancheId/refuse',
    { config: finance, schema: { operationId: 'refuseTranche', tags, summary: 'A finance officer refuses a requested or validated tranche with a reason', params: trancheParams, body: trancheRefusal, response: { 200: awardView } } },
    async (request) => {
      const { awardId, trancheId } = request.params;
      return awards.command(callerOf(request), awardId, 'finance', (award, by, now) => refuseTranche(award, { trancheId, reason: request.body.reason, by }, now));
    },
  );

  http.post(
    '/awards/:awardId/tranches/:trancheId/release',
    {
      config: finance,
      schema: {
        operationId: 'releaseTranche',
        tags,
        summary: 'A second finance officer releases a validated tranche to the validated bank details (rules four-eyes, bank-details-validated, bank-details-pending, agreement-signed)',
        params: trancheParams,
        response: { 200: awardView },
      },
    },
    async (request) => {
      const { awardId, trancheId } = request.params;
      return awards.command(callerOf(request), awardId, 'finance', (award, by, now) => releaseTranche(award, { trancheId, by }, now));
    },
  );

  http.post(
    '/awards/:awardId/tranches/:trancheId/payment',
    { config: finance, schema: { operationId: 'recordTranchePayment', tags, summary: 'A finance officer records the payment of a released tranche, once (rule paid-once)', params: trancheParams, body: paymentRecord, response: { 200: awardView } } },
    async (request) => {
      const { awardId, trancheId } = request.params;
      return awards.command(callerOf(request), awardId, 'finance', (award, by, now) => recordPayment(award, { trancheId, ...request.body, by }, now));
    },
  );
}
