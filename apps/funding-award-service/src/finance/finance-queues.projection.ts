import { Schema } from 'mongoose';
import { paginate, type Pagination } from '@aap/http';
import { applyIfNotOlder, type ServiceContext } from '@aap/service-runtime';
import type { AwardState } from '../awards';
import { bankDetailsRowOf, trancheRowsOf, type BankDetailsRow, type TrancheRow } from './finance-queues';

/**
 * The finance queues as stored: rows kept from the award (see `finance-queues.ts`), read by an
 * equality on the indexed `status` (never a scan of the awards), oldest first; confined to the calls
 * `callIds` names (the caller's calls) unless it is undefined (admin).
 */
const ofCalls = (callIds: string[] | undefined) => (callIds === undefined ? {} : { callId: { $in: callIds } });

export function financeQueues(context: ServiceContext) {
  const Tranche = context.model<TrancheRow>(
    'FinanceTrancheRow',
    new Schema<TrancheRow>(
      {
        _id: String,
        awardId: String,
        number: String,
        callId: String,
        organisationId: String,
        kind: String,
        status: { type: String, index: true },
        amountCents: Number,
        expensesCents: Number,
        requestedAt: String,
        validatedBy: String,
        validatedAt: String,
        awardVersion: Number,
      },
      { minimize: false },
    ),
    { collection: 'finance_tranche_queue' },
  );
  const BankDetails = context.model<BankDetailsRow>(
    'FinanceBankDetailsRow',
    new Schema<BankDetailsRow>(
      {
        _id: String,
        number: String,
        callId: String,
        organisationId: String,
        status: { type: String, index: true },
        pending: Schema.Types.Mixed,
        currentIban: String,
        awardVersion: Number,
      },
      { minimize: false },
    ),
    { collection: 'finance_bank_details_queue' },
  );

  const keep = <Row extends { _id: string; awardVersion: number }>(model: typeof Tranche | typeof BankDetails, { _id, awardVersion, ...row }: Row) =>
    applyIfNotOlder(model as never, _id, 'awardVersion', awardVersion, row);

  return {
    /** Rewrites the award's rows from its current state; an older state than the one applied changes nothing. */
    async refresh(award: AwardState): Promise<void> {
      for (const row of trancheRowsOf(award)) await keep(Tranche, row);
      await keep(BankDetails, bankDetailsRowOf(award));
    },
    tranches: (status: TrancheRow['status'], pagination: Pagination, callIds?: string[]) =>
      paginate(Tranche, { status, ...ofCalls(callIds) }, { ...pagination, sort: { requestedAt: 1 } }, (row: TrancheRow) => row),
    bankDetails: (status: BankDetailsRow['status'], pagination: Pagination, callIds?: string[]) =>
      paginate(BankDetails, { status, ...ofCalls(callIds) }, { ...pagination, sort: { 'pending.submittedAt': 1 } }, (row: BankDetailsRow) => row),
  };
}

export type FinanceQueues = ReturnType<typeof financeQueues>;
