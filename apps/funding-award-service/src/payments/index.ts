import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { Awards } from '../awards';
import { registerPaymentHandlers } from './payments.handlers';
import { paymentsProjection } from './payments.projection';
import { registerPaymentRoutes } from './payments.routes';

/** The payments export for the State's accounting system: one row per paid tranche, kept from the awards' events. */
export function registerPayments(context: ServiceContext, deps: { awards: Awards; calls: CallCopies }): void {
  const payments = paymentsProjection(context);
  registerPaymentHandlers(context, { awards: deps.awards, payments });
  registerPaymentRoutes(context, { payments, calls: deps.calls });
}
