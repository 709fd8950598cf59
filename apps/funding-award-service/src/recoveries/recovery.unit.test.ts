import { describe, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { AwardRecoveryOrdered } from '@aap/contracts';
import { NOW, awardWithPaidAdvance, grantedAward } from '../award-fixtures';
import { orderRecovery } from '../tranches/tranche';

// The route's decide function (finance orders money back by hand); its caps are specified with the tranches.
describe('orderRecovery, as the recovery-order route decides it', () => {
  const spec = decider(orderRecovery);
  const order = { amountCents: 100_000, dueOn: '2027-03-01', reason: 'Dépense inéligible', by: 'finance-1' };

  it('given a paid advance, when finance orders part of it back, then award.recovery-ordered names the amount and due date', () => {
    spec.given(awardWithPaidAdvance()).when(order, NOW).then({ definition: AwardRecoveryOrdered, data: { amountCents: 100_000, dueOn: '2027-03-01' } }).thenState({ recoveries: [{ amountCents: 100_000, orderedBy: 'finance-1' }] });
  });

  it('given a due date already passed, nothing paid, a zero amount: each rule is named', () => {
    spec.given(awardWithPaidAdvance()).when({ ...order, dueOn: '2027-01-31' }, NOW).thenRefused('due-not-past');
    spec.given(grantedAward()).when(order, NOW).thenRefused('recovery-within-paid');
    spec.given(awardWithPaidAdvance()).when({ ...order, amountCents: 0 }, NOW).thenRefused('amount-positive');
  });
});
