import { z } from 'zod';
import { callerOf, notFound, policies, type Role } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { ledgerOf } from './ledger';
import type { LedgerProjection } from './ledger.projection';

const cents = z.number().int();
const ledgerView = z.object({
  callId: z.string(),
  envelopeCents: cents.nullable().describe('The call’s budget envelope; null until this service has the call’s events'),
  committedCents: cents.describe('Sum of the grants of the call’s awards'),
  paidCents: cents,
  recoveredCents: cents.describe('Asked back by recovery orders'),
  releasedCents: cents.describe('Will never be paid (lapse, cancellation, balance below the grant): back to the envelope'),
  outstandingCents: cents.describe('committed − paid − released'),
  remainingEnvelopeCents: cents.nullable().describe('envelope − committed + released'),
  awards: z.number().int(),
  payments: z.number().int(),
});

export const callParams = z.object({ callId: z.string().min(1).max(100) });

/** Who reads a call's money: the finance officers and programme managers of its team, operators. */
export const LEDGER_READERS = ['finance', 'programme-manager', 'admin'] as const satisfies readonly Role[];

export function registerLedgerRoutes(context: ServiceContext, deps: { ledger: LedgerProjection; calls: CallCopies }): void {
  context.http.get(
    '/calls/:callId/ledger',
    {
      config: { access: { roles: LEDGER_READERS } },
      schema: {
        operationId: 'getCallLedger',
        tags: ['finance'],
        summary: 'The call’s ledger: envelope, committed, paid, recovered, released, outstanding and remaining, to the cent',
        params: callParams,
        response: { 200: ledgerView },
      },
    },
    async (request) => {
      const { callId } = request.params;
      policies.onCallTeam(callerOf(request), await deps.calls.get(callId), `Call ${callId}`, LEDGER_READERS);
      const summary = await deps.ledger.summary(callId);
      if (!summary) throw notFound(`Call ${callId}`);
      return ledgerOf(summary);
    },
  );
}
