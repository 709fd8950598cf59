import {
  AwardBankDetailsRefused,
  AwardBankDetailsSubmitted,
  AwardBankDetailsValidated,
  AwardCancelled,
  AwardCompleted,
  AwardLapsed,
  TranchePaid,
  TrancheRefused,
  TrancheReleased,
  TrancheRequested,
  TrancheValidated,
  type AwardReference,
} from '@aap/contracts';
import { PermanentHandlerError } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { Awards } from '../awards';
import type { FinanceQueues } from './finance-queues.projection';

/** The service's own events that move a tranche or a bank-details change in or out of a queue. */
const QUEUE_FACTS = [
  TrancheRequested,
  TrancheValidated,
  TrancheRefused,
  TrancheReleased,
  TranchePaid,
  AwardBankDetailsSubmitted,
  AwardBankDetailsValidated,
  AwardBankDetailsRefused,
  AwardCompleted,
  AwardLapsed,
  AwardCancelled,
];

/**
 * Keeps the queues from the award's own events: each one rewrites the award's rows from its current
 * state (read by `_id`), so the queues follow every write of the command handler, whichever route or
 * job made it, and heal after a crash (the event is published at least once, after the write).
 */
export function registerFinanceQueueHandlers(context: ServiceContext, deps: { awards: Awards; queues: FinanceQueues }): void {
  for (const definition of QUEUE_FACTS) {
    context.consumer.on(definition, async (event) => {
      const { awardId } = event.data as AwardReference;
      const award = await deps.awards.load(awardId);
      if (!award) throw new PermanentHandlerError(`no award ${awardId}`);
      await deps.queues.refresh(award);
    });
  }
}
