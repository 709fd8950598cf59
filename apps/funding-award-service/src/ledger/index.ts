import type { ServiceContext } from '@aap/service-runtime';
import type { Awards } from '../awards';
import { registerLedgerHandlers } from './ledger.handlers';
import { ledgerProjection } from './ledger.projection';
import { registerLedgerRoutes } from './ledger.routes';

/** The call's ledger: kept from the awards' own events and the calls' (the envelope), read by `_id`. */
export function registerLedger(context: ServiceContext, awards: Awards): void {
  const ledger = ledgerProjection(context);
  registerLedgerHandlers(context, { awards, ledger });
  registerLedgerRoutes(context, { ledger });
}
