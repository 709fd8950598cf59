import { TranchePaid, TrancheReleased } from '@aap/contracts';
import { PermanentHandlerError } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { Awards } from '../awards';
import { factsOfAward, type PaymentFacts } from './payment-rows';
import type { PaymentsProjection } from './payments.projection';

/**
 * Keeps the payment rows from the service's own events: the released tranche's bank details as the
 * event names them (masked IBAN), the payment from the award as stored (read by `_id`).
 */
export function registerPaymentHandlers(context: ServiceContext, deps: { awards: Awards; payments: PaymentsProjection }): void {
  const record = async (awardId: string, trancheId: string, released?: Pick<PaymentFacts, 'bankDetailsId' | 'iban'>) => {
    const award = await deps.awards.load(awardId);
    if (!award) throw new PermanentHandlerError(`no award ${awardId}`);
    const facts = factsOfAward(award, trancheId);
    if (!facts) throw new PermanentHandlerError(`no tranche ${trancheId} on award ${awardId}`);
    await deps.payments.record(award, { ...facts, ...released });
  };
  context.consumer.on(TrancheReleased, ({ data }) => record(data.awardId, data.trancheId, { bankDetailsId: data.bankDetailsId, iban: data.iban }));
  context.consumer.on(TranchePaid, ({ data }) => record(data.awardId, data.trancheId));
}
