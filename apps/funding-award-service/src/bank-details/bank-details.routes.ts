import { z } from 'zod';
import { callerOf, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { AWARD_ACTORS, awardParams, awardView, type Awards } from '../awards';
import { typedText } from '../awards/request-text';
import { refuseBankDetails, submitBankDetails, validateBankDetails } from './bank-details';

export const bankDetailsSubmission = z.object({
  iban: z.string().max(50).describe('IBAN (ISO 13616), spaces allowed; rule iban'),
  bic: z.string().max(20).describe('BIC (ISO 9362), 8 or 11 characters; rule bic'),
  holder: typedText(140).describe('The account holder as on the bank certificate (RIB); rule holder'),
  ribAttachmentId: z.string().max(100).optional().describe('The uploaded bank certificate (RIB)'),
});
export const bankDetailsRefusal = z.object({ reason: typedText(2_000).describe('Why the bank details are refused (told to the beneficiary)') });
const bankDetailsParams = awardParams.extend({ bankDetailsId: z.string().min(1).max(120) });

export function registerBankDetailsRoutes(context: ServiceContext, awards: Awards): void {
  const tags = ['bank-details'];
  context.http.post(
    '/awards/:awardId/bank-details',
    {
      config: { access: { roles: AWARD_ACTORS.beneficiary.roles }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'submitBankDetails',
        tags,
        summary: 'The beneficiary submits bank details (first ones or a change): they wait for a finance officer, and no tranche is released meanwhile',
        params: awardParams,
        body: bankDetailsSubmission,
        response: { 200: awardView },
      },
    },
    async (request) => awards.command(callerOf(request), request.params.awardId, 'beneficiary', (award, by, now) => submitBankDetails(award, { ...request.body, by }, now)),
  );

  context.http.post(
    '/awards/:awardId/bank-details/:bankDetailsId/validate',
    {
      config: { access: { roles: AWARD_ACTORS.finance.roles }, problems: COMMAND_REFUSALS },
      schema: { operationId: 'validateBankDetails', tags, summary: 'A finance officer validates the waiting bank details: payments go to them from now on', params: bankDetailsParams, response: { 200: awardView } },
    },
    async (request) => {
      const { awardId, bankDetailsId } = request.params;
      return awards.command(callerOf(request), awardId, 'finance', (award, by, now) => validateBankDetails(award, { bankDetailsId, by }, now));
    },
  );

  context.http.post(
    '/awards/:awardId/bank-details/:bankDetailsId/refuse',
    {
      config: { access: { roles: AWARD_ACTORS.finance.roles }, problems: COMMAND_REFUSALS },
      schema: { operationId: 'refuseBankDetails', tags, summary: 'A finance officer refuses the waiting bank details with a reason; those validated before stay in use', params: bankDetailsParams, body: bankDetailsRefusal, response: { 200: awardView } },
    },
    async (request) => {
      const { awardId, bankDetailsId } = request.params;
      return awards.command(callerOf(request), awardId, 'finance', (award, by, now) => refuseBankDetails(award, { bankDetailsId, reason: request.body.reason, by }, now));
    },
  );
}
