import { AwardAmountReleased, AwardGranted, AwardRecoveryOrdered, callEvents, TranchePaid, type AwardReference, type CallSnapshot } from '@aap/contracts';
import { PermanentHandlerError } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { Awards } from '../awards';
import type { LedgerProjection } from './ledger.projection';

/**
 * The facts that move an award's books: the grant, a payment, a recovery order, money released.
 * Each is written in the same guarded write as the change it reports, so after any of them the
 * award as stored holds every change that came before.
 */
const LEDGER_FACTS = [AwardGranted, TranchePaid, AwardRecoveryOrdered, AwardAmountReleased];

/** Keeps the ledger from the service's own events (the award's row rebuilt from the award read by `_id`) and the calls' events (the envelope). */
export function registerLedgerHandlers(context: ServiceContext, deps: { awards: Awards; ledger: LedgerProjection }): void {
  for (const definition of LEDGER_FACTS) {
    context.consumer.on(definition, async (event) => {
      const { awardId } = event.data as AwardReference;
      const award = await deps.awards.load(awardId);
      if (!award) throw new PermanentHandlerError(`no award ${awardId}`);
      await deps.ledger.refresh(award);
    });
  }
  // The envelope beside the totals, so that the ledger is one read.
  for (const definition of callEvents) {
    context.consumer.on(definition, (event) => deps.ledger.envelope((event.data as { call: CallSnapshot }).call));
  }
}
