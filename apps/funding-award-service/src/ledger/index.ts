import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { Awards } from '../awards';
import { registerLedgerHandlers } from './ledger.handlers';
import { ledgerProjection } from './ledger.projection';
import { registerLedgerRoutes } from './ledger.routes';

/** The call's ledger: kept from the awards' own events and the calls' (the envelope), read by `_id`. */
export function registerLedger(context: ServiceContext, deps: { awards: Awards; calls: CallCopies }): void {
  const { awards } = deps;
  const ledger = ledgerProjection(context);
  registerLedgerHandlers(context, { awards, ledger });
  registerLedgerRoutes(context, { ledger, calls: deps.calls });
}
