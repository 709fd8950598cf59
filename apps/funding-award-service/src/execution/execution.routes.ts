import { z } from 'zod';
import { isoDate } from '@aap/contracts';
import { callerOf, COMMAND_REFUSALS } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import { AWARD_ACTORS, awardParams, awardView, type Awards } from '../awards';
import { typedText } from '../awards/request-text';
import { declareStart, extendStartDeadline } from './execution';

export const startDeclaration = z.object({ startedOn: isoDate.describe('The day execution started (Europe/Paris), not in the future, not after the start deadline') });

export const startDeadlineExtension = z.object({
  months: z.number().int('a whole number of months').describe('1 to 12 months (rule extension-max), once (rule single-extension), before the deadline passed (rule start-deadline-passed)'),
  reason: typedText(2_000).describe('Why the deadline is extended (told to the beneficiary)'),
});

export function registerExecutionRoutes(context: ServiceContext, awards: Awards): void {
  context.http.post(
    '/awards/:awardId/execution-start',
    {
      config: { access: { roles: AWARD_ACTORS.beneficiary.roles }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'recordExecutionStart',
        tags: ['awards'],
        summary: 'The beneficiary declares the start of execution (rules start-not-future, start-deadline); the advance may then be asked',
        params: awardParams,
        body: startDeclaration,
        response: { 200: awardView },
      },
    },
    async (request) => awards.command(callerOf(request), request.params.awardId, 'beneficiary', (award, by, now) => declareStart(award, { ...request.body, by }, now)),
  );

  context.http.post(
    '/awards/:awardId/start-deadline-extension',
    {
      config: { access: { roles: AWARD_ACTORS.manager.roles }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'extendStartDeadline',
        tags: ['awards'],
        summary: 'The programme manager extends the start deadline of an award not yet started, once, by at most a year (décret 2018-514 art. 11)',
        params: awardParams,
        body: startDeadlineExtension,
        response: { 200: awardView },
      },
    },
    async (request) => awards.command(callerOf(request), request.params.awardId, 'manager', (award, by, now) => extendStartDeadline(award, { ...request.body, by }, now)),
  );
}
