import { Schema } from 'mongoose';
import { documentStore, type DocumentMapping, type ServiceContext } from '@aap/service-runtime';
import type { AwardState } from '../awards';
import { byPaymentDate, mergePayment, PAYMENT_ROW_STATUSES, type PaymentFacts, type PaymentRow } from './payment-rows';

/**
 * The payment rows as stored (`payment_rows`, `_id` = tranche id), a read model written through the
 * command handler; the export reads a call's paid rows with ONE equality on the indexed
 * {callId, status}, streamed from the cursor.
 */
interface PaymentDocument extends Omit<PaymentRow, 'trancheId'> {
  _id: string;
}

const MAPPING: DocumentMapping<PaymentRow, PaymentDocument> = {
  name: 'payment row',
  toState: ({ _id, ...fields }) => ({ ...fields, trancheId: _id }),
  toFields: ({ trancheId: _trancheId, ...fields }) => fields,
};

export function paymentsProjection(context: ServiceContext) {
  const nullable = (type: StringConstructor | NumberConstructor) => ({ type, default: null });
  const schema = new Schema<PaymentDocument>(
    {
      _id: { type: String, required: true },
      awardId: { type: String, required: true },
      callId: { type: String, required: true },
      number: { type: String, required: true },
      organisationId: { type: String, required: true },
      beneficiaryName: nullable(String),
      legalCommitment: nullable(String),
      budgetProgrammeLine: nullable(String),
      kind: { type: String, required: true },
      status: { type: String, enum: PAYMENT_ROW_STATUSES, required: true },
      amountCents: nullable(Number),
      bankDetailsId: nullable(String),
      iban: nullable(String),
      paymentReference: nullable(String),
      paidOn: nullable(String),
      version: { type: Number, required: true },
    },
    { minimize: false },
  );
  schema.index({ callId: 1, status: 1 });
  const Payment = context.model<PaymentDocument>('PaymentRow', schema, { collection: 'payment_rows' });
  const rows = context.commands(documentStore(Payment, MAPPING));

  return {
    /** Merges what a fact says of the tranche's payment into its row (nothing written when it changes nothing). */
    async record(award: AwardState, facts: PaymentFacts): Promise<void> {
      await rows.handle(facts.trancheId, (existing) => mergePayment(existing, award, facts));
    },
    /** The call's payments, by payment date: one equality query, read from its cursor. */
    async paidOf(callId: string): Promise<PaymentRow[]> {
      const paid: PaymentRow[] = [];
      for await (const doc of Payment.find({ callId, status: 'paid' }).lean<PaymentDocument[]>().cursor({ batchSize: 1_000 })) paid.push(MAPPING.toState(doc as PaymentDocument));
      return paid.sort(byPaymentDate);
    },
  };
}
export type PaymentsProjection = ReturnType<typeof paymentsProjection>;
