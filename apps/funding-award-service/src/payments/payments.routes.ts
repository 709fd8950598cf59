import { z } from 'zod';
import { callerOf, CSV_MEDIA_TYPE, fileAnswer, policies, sendAttachment, sendCsv, XLSX_CONTENT_TYPE, type Caller, type Role } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { PAYMENT_CSV_COLUMNS, PAYMENT_CSV_OPTIONS, paymentsXlsx } from './payments.export';
import type { PaymentsProjection } from './payments.projection';
import type { PaymentRow } from './payment-rows';

const callParams = z.object({ callId: z.string().min(1).max(100) });
const EXPORTERS = ['finance', 'admin'] as const satisfies readonly Role[];
const WHAT = 'engagement juridique, programme line, beneficiary SIRET and name, IBAN reference (masked + bank details id), amount in euros, tranche, payment reference and date';

export function registerPaymentRoutes(context: ServiceContext, deps: { payments: PaymentsProjection; calls: CallCopies }): void {
  /** The call's payments, to a finance officer of its team (or an admin); else the 404 of a call this service knows nothing of. */
  const paidOf = async (caller: Caller, callId: string): Promise<PaymentRow[]> => {
    policies.onCallTeam(caller, await deps.calls.get(callId), `Call ${callId}`, EXPORTERS);
    return deps.payments.paidOf(callId);
  };
  const route = (operationId: string, mediaType: string, format: string) => ({
    config: { access: { roles: EXPORTERS } },
    schema: {
      operationId,
      tags: ['finance'],
      summary: `The call’s payments as ${format}, one line per payment: ${WHAT}`,
      params: callParams,
      response: { 200: fileAnswer(mediaType, `The payments as ${format}`) },
    },
  });

  context.http.get('/calls/:callId/payments.csv', route('exportPaymentsCsv', CSV_MEDIA_TYPE, 'CSV (UTF-8 with BOM, `;`-separated, amounts as 6000,00)'), async (request, reply) => {
    const rows = await paidOf(callerOf(request), request.params.callId);
    return sendCsv(reply, `paiements-${request.params.callId}.csv`, rows, PAYMENT_CSV_COLUMNS, PAYMENT_CSV_OPTIONS);
  });
  context.http.get('/calls/:callId/payments.xlsx', route('exportPaymentsXlsx', XLSX_CONTENT_TYPE, 'XLSX (one sheet, amounts in euros, dates as dates)'), async (request, reply) => {
    const rows = await paidOf(callerOf(request), request.params.callId);
    return sendAttachment(reply, `paiements-${request.params.callId}.xlsx`, XLSX_CONTENT_TYPE, await paymentsXlsx(rows));
  });
}
