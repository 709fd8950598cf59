import { Schema } from 'mongoose';
import type { CallSnapshot } from '@aap/contracts';
import type { EventMetadata, OutboxFields } from '@aap/messaging';
import { documentStore, isDuplicateKey, startingFrom, type DocumentMapping, type ServiceContext } from '@aap/service-runtime';
import { openingEnvelope, type ApprovalInProgress, type EnvelopeDecision, type EnvelopeState, type PromotionProposal, type ReleaseInProgress, type ReturnedRelease } from './envelope';

/**
 * The envelope of each call: ONE document per call (`committee_envelopes`, `_id` = call id), changed
 * only through the command handler (a write guarded on `{_id, version}`, decided again on a lost
 * race), so 50 concurrent approvals of one call each decide on the latest envelope. It also holds the
 * pending promotion proposals, the approvals and releases in progress and the award releases applied;
 * its outbox carries committee.promotion-proposed.
 */

/** Reservations as stored: an array, so a dossier id is never a field name. */
interface EnvelopeDocument extends OutboxFields {
  _id: string;
  envelopeCents: number;
  reservedCents: number;
  reservations: Array<{ dossierId: string; cents: number }>;
  promotions: PromotionProposal[];
  approvals: ApprovalInProgress[];
  releases: ReleaseInProgress[];
  returned: ReturnedRelease[];
  /** Some approval or release is in progress: the sweep's one equality on an indexed field. */
  unsettled: boolean;
  version: number;
  updatedAt: Date;
}

const ENVELOPE_MAPPING: DocumentMapping<EnvelopeState, EnvelopeDocument> = {
  name: 'envelope',
  toState: (doc) => ({
    callId: doc._id,
    envelopeCents: doc.envelopeCents,
    reservedCents: doc.reservedCents,
    reservations: Object.fromEntries((doc.reservations ?? []).map((r) => [r.dossierId, r.cents])),
    promotions: doc.promotions ?? [],
    approvals: doc.approvals ?? [],
    releases: doc.releases ?? [],
    returned: doc.returned ?? [],
    version: doc.version,
  }),
  toFields: (envelope) => ({
    envelopeCents: envelope.envelopeCents,
    reservedCents: envelope.reservedCents,
    reservations: Object.entries(envelope.reservations).map(([dossierId, cents]) => ({ dossierId, cents })),
    promotions: envelope.promotions,
    approvals: envelope.approvals,
    releases: envelope.releases,
    returned: envelope.returned,
    unsettled: envelope.approvals.length + envelope.releases.length > 0,
    updatedAt: new Date(),
  }),
};

/** The call's envelope before the committee's first decision on it. */
export const openingEnvelopeOf = (call: CallSnapshot): EnvelopeState => openingEnvelope(call.callId, call.budgetEnvelopeCents);

export function envelopeStore(context: ServiceContext) {
  const schema = new Schema<EnvelopeDocument>(
    {
      _id: { type: String, required: true },
      envelopeCents: { type: Number, required: true },
      reservedCents: { type: Number, required: true },
      reservations: { type: Schema.Types.Mixed, default: () => [] },
      promotions: { type: Schema.Types.Mixed, default: () => [] },
      approvals: { type: Schema.Types.Mixed, default: () => [] },
      releases: { type: Schema.Types.Mixed, default: () => [] },
      returned: { type: Schema.Types.Mixed, default: () => [] },
      unsettled: { type: Boolean, default: false, index: true },
      version: { type: Number, required: true },
      updatedAt: { type: Date, required: true },
    },
    { minimize: false },
  );
  const Envelope = context.aggregate('CommitteeEnvelope', schema, { collection: 'committee_envelopes' });
  const store = documentStore(Envelope, ENVELOPE_MAPPING);
  const commands = context.commands(store);

  return {
    get: (callId: string): Promise<EnvelopeState | null> => store.load(callId),

    /** The envelope as it stands, or the opening one when the committee has decided nothing on the call yet. */
    async current(call: CallSnapshot): Promise<EnvelopeState> {
      return (await store.load(call.callId)) ?? openingEnvelopeOf(call);
    },

    /**
     * Decides on the call's envelope (created by its first change; its amount always the call copy's,
     * so a programme manager's change reaches the next decision) through the command handler.
     */
    decide(call: CallSnapshot, decide: (envelope: EnvelopeState) => EnvelopeDecision | Promise<EnvelopeDecision>, metadata?: EventMetadata) {
      const amountOfCall = (envelope: EnvelopeState) => (envelope.envelopeCents === call.budgetEnvelopeCents ? envelope : { ...envelope, envelopeCents: call.budgetEnvelopeCents });
      return commands.handle(call.callId, startingFrom(openingEnvelopeOf(call), (envelope) => decide(amountOfCall(envelope))), metadata);
    },

    /**
     * Start-up upgrade: the envelopes written before the rename (`committee_budgets`, the same fields
     * without the process manager's steps, its outbox included) copied into `committee_envelopes`,
     * each only when missing there, so a repeated or concurrent run and a newer envelope keep theirs.
     */
    async copyBudgets(): Promise<void> {
      for await (const budget of Envelope.db.collection<Omit<EnvelopeDocument, 'approvals' | 'releases' | 'returned' | 'unsettled'>>('committee_budgets').find()) {
        try {
          await Envelope.collection.insertOne({ approvals: [], releases: [], returned: [], unsettled: false, ...budget, promotions: budget.promotions ?? [], reservations: budget.reservations ?? [] } as never);
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
      }
    },

    /** The envelopes with an approval or a release in progress (one equality on the indexed flag). */
    async unsettled(): Promise<EnvelopeState[]> {
      const docs = await Envelope.find({ unsettled: true }).lean<EnvelopeDocument[]>();
      return docs.map((doc) => ENVELOPE_MAPPING.toState(doc));
    },
  };
}

export type EnvelopeStore = ReturnType<typeof envelopeStore>;
