import { z } from 'zod';
import { TRANCHE_KINDS } from '@aap/contracts';
import { callerOf, paginated, paginationQuery, type Caller } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { AWARD_ACTORS, TRANCHE_STATUSES } from '../awards';
import { BANK_DETAILS_QUEUES, BANK_DETAILS_STATES, TRANCHE_QUEUES } from './finance-queues';
import type { FinanceQueues } from './finance-queues.projection';

const trancheRowView = z.object({
  trancheId: z.string(),
  awardId: z.string(),
  number: z.string(),
  callId: z.string(),
  organisationId: z.string(),
  kind: z.enum(TRANCHE_KINDS),
  status: z.enum(TRANCHE_STATUSES),
  amountCents: z.number().int(),
  expensesCents: z.number().int().nullable(),
  requestedAt: z.string(),
  validatedBy: z.string().nullable().describe('Who validated it: another finance officer releases it (four eyes)'),
  validatedAt: z.string().nullable(),
});
const bankDetailsRowView = z.object({
  awardId: z.string(),
  number: z.string(),
  callId: z.string(),
  organisationId: z.string(),
  status: z.enum(BANK_DETAILS_STATES),
  pending: z.object({ bankDetailsId: z.string(), iban: z.string().describe('masked'), bic: z.string(), holder: z.string(), submittedBy: z.string(), submittedAt: z.string() }).nullable(),
  currentIban: z.string().nullable().describe('The masked IBAN payments go to now, which the change would replace'),
});

export function registerFinanceQueueRoutes(context: ServiceContext, queues: FinanceQueues, calls: CallCopies): void {
  const tags = ['finance'];
  const finance = { access: { roles: AWARD_ACTORS.finance.roles } };
  /** The calls whose queues the caller sees: those naming them a finance officer on their team; every call for an admin. */
  const callsOf = async (caller: Caller) => (caller.roles.includes('admin') ? undefined : calls.teamCallIds(caller.userId, 'finance'));

  context.http.get(
    '/finance/tranches',
    {
      config: finance,
      schema: {
        operationId: 'listTranchesToProcess',
        tags,
        summary: 'Tranches of the caller’s calls waiting for a finance officer: `requested` to validate, `validated` to release (by another officer), oldest first',
        querystring: paginationQuery.extend({ status: z.enum(TRANCHE_QUEUES) }),
        response: { 200: paginated(trancheRowView, { counted: false }) },
      },
    },
    async (request) => {
      const { status, ...pagination } = request.query;
      const page = await queues.tranches(status, pagination, await callsOf(callerOf(request)));
      return { ...page, items: page.items.map(({ _id, awardVersion: _version, ...row }) => ({ trancheId: _id, ...row })) };
    },
  );

  context.http.get(
    '/finance/bank-details',
    {
      config: finance,
      schema: {
        operationId: 'listBankDetailsToValidate',
        tags,
        summary: 'Bank-detail changes on the caller’s calls waiting for validation (no tranche of their award is released meanwhile), oldest first',
        querystring: paginationQuery.extend({ status: z.enum(BANK_DETAILS_QUEUES) }),
        response: { 200: paginated(bankDetailsRowView, { counted: false }) },
      },
    },
    async (request) => {
      const { status, ...pagination } = request.query;
      const page = await queues.bankDetails(status, pagination, await callsOf(callerOf(request)));
      return { ...page, items: page.items.map(({ _id, awardVersion: _version, ...row }) => ({ awardId: _id, ...row })) };
    },
  );
}
