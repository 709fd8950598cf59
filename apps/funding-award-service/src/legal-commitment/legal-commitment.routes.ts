import { z } from 'zod';
import { LEGAL_COMMITMENT_NUMBER } from '@aap/contracts';
import { callerOf, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { AWARD_ACTORS, awardParams, awardView, type Awards } from '../awards';
import { recordLegalCommitment } from './legal-commitment';

export const legalCommitmentRecord = z.object({
  number: z.string().max(10).regex(LEGAL_COMMITMENT_NUMBER, 'exactly 10 digits').describe('The legal commitment (engagement juridique) number in Chorus, 10 digits; rule legal-commitment-fixed once a tranche was released'),
});

export function registerLegalCommitmentRoutes(context: ServiceContext, awards: Awards): void {
  context.http.post(
    '/awards/:awardId/legal-commitment',
    {
      config: { access: { roles: AWARD_ACTORS.finance.roles }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'recordLegalCommitment',
        tags: ['awards'],
        summary: 'A finance officer records the award’s legal commitment number (engagement juridique, Chorus), required before any release; the same number again changes nothing',
        params: awardParams,
        body: legalCommitmentRecord,
        response: { 200: awardView },
      },
    },
    async (request) => awards.command(callerOf(request), request.params.awardId, 'finance', (award, by, now) => recordLegalCommitment(award, { number: request.body.number, by }, now)),
  );
}
