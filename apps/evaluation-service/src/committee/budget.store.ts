import { Schema } from 'mongoose';
import type { CallSnapshot, Decision } from '@aap/contracts';
import type { EventMetadata, OutboxFields, PendingEvent } from '@aap/messaging';
import { concurrentChange, insertOnce, record, type ServiceContext } from '@aap/service-runtime';
import { emptyLedger, type EnvelopeLedger } from './budget';

/**
 * The envelope ledger of each call (eval-design.md "Envelope"): ONE document per call,
 * `committee_budgets`, `_id` = call id, changed only by the guarded `record` on `{_id, version}`, so
 * 50 concurrent approvals of one call each decide on the latest ledger (a lost race decides again).
 * It also holds the pending promotion proposals, and its outbox carries committee.promotion-proposed.
 */

/** Money came back: the best waitlisted dossier that fits, proposed to the committee until it is decided. */
export interface PromotionProposal {
  dossierId: string;
  number: string;
  waveId: string;
  proposedGrantCents: number;
  freedCents: number;
  freedBy: string;
  /** The envelope's remaining amount when it was proposed (before the promotion is approved). */
  remainingEnvelopeCents: number;
  at: Date;
}

export interface Ledger extends EnvelopeLedger {
  promotions: PromotionProposal[];
}

/** Reservations as stored: an array, so a dossier id is never a field name. */
interface LedgerDocument extends OutboxFields {
  _id: string;
  envelopeCents: number;
  reservedCents: number;
  reservations: Array<{ dossierId: string; cents: number }>;
  promotions: PromotionProposal[];
  version: number;
  updatedAt: Date;
}

/** How many times a decision on the ledger is taken again after losing the race (50 concurrent approvals need a few). */
const MAX_ATTEMPTS = 200;

function ledgerModel(context: ServiceContext) {
  const schema = new Schema<LedgerDocument>(
    {
      _id: { type: String, required: true },
      envelopeCents: { type: Number, required: true },
      reservedCents: { type: Number, required: true },
      reservations: { type: Schema.Types.Mixed, default: () => [] },
      promotions: { type: Schema.Types.Mixed, default: () => [] },
      version: { type: Number, required: true },
      updatedAt: { type: Date, required: true },
    },
    { minimize: false },
  );
  return context.aggregate('CommitteeBudget', schema, { collection: 'committee_budgets' });
}

const toLedger = (doc: LedgerDocument): Ledger => ({
  callId: doc._id,
  envelopeCents: doc.envelopeCents,
  reservedCents: doc.reservedCents,
  reservations: Object.fromEntries((doc.reservations ?? []).map((r) => [r.dossierId, r.cents])),
  promotions: doc.promotions ?? [],
  version: doc.version,
});

const fieldsOf = (ledger: Ledger) => ({
  envelopeCents: ledger.envelopeCents,
  reservedCents: ledger.reservedCents,
  reservations: Object.entries(ledger.reservations).map(([dossierId, cents]) => ({ dossierId, cents })),
  promotions: ledger.promotions,
});

/** The call's ledger before its first decision: its envelope, nothing reserved. */
export const openingLedger = (call: CallSnapshot): Ledger => ({ ...emptyLedger(call.callId, call.budgetEnvelopeCents), promotions: [] });

export function budgetStore(context: ServiceContext) {
  const Ledger = ledgerModel(context);

  const get = async (callId: string): Promise<Ledger | null> => {
    const doc = await Ledger.findById(callId).lean<LedgerDocument>();
    return doc ? toLedger(doc) : null;
  };

  const store = {
    get,

    /** The ledger as it stands, or the opening one when the committee has decided nothing on the call yet. */
    async current(call: CallSnapshot): Promise<Ledger> {
      return (await get(call.callId)) ?? openingLedger(call);
    },

    /** ONE guarded single-document write of the next ledger and its events; false when the race was lost. */
    record(current: Ledger, next: Ledger, events: PendingEvent[]): Promise<boolean> {
      return record(Ledger, { id: current.callId, version: current.version }, { $set: { ...fieldsOf(next), updatedAt: new Date() } }, events);
    },

    /**
     * Decides on the call's current ledger (created on first use, its envelope always the call
     * copy's) and records the outcome; a lost race reads again and decides again.
     */
    async transition(call: CallSnapshot, decide: (ledger: Ledger) => Decision<Ledger>, metadata?: EventMetadata): Promise<{ before: Ledger; decision: Decision<Ledger> }> {
      for (let attempt = 1; ; attempt++) {
        let stored = await get(call.callId);
        if (!stored) {
          await insertOnce(Ledger, { _id: call.callId, ...fieldsOf(openingLedger(call)), version: 1, updatedAt: new Date() });
          stored = (await get(call.callId))!;
        }
        // The envelope is the call's: a programme manager's change reaches the next decision.
        const before = stored.envelopeCents === call.budgetEnvelopeCents ? stored : { ...stored, envelopeCents: call.budgetEnvelopeCents };
        const decision = decide(before);
        if (decision.outcome !== 'accepted' || (decision.state === stored && decision.events.length === 0)) return { before, decision };
        if (await store.record(stored, decision.state, context.events(decision.events, metadata))) {
          return { before, decision: { ...decision, state: { ...decision.state, version: stored.version + 1 } } };
        }
        if (attempt >= MAX_ATTEMPTS) throw concurrentChange(`the envelope ledger of call ${call.callId}`, stored.version);
        // Many writers on one document: a short random pause spreads the next attempts.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * Math.min(attempt, 10)));
      }
    },
  };
  return store;
}

export type BudgetStore = ReturnType<typeof budgetStore>;
