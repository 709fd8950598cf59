import { Schema, type Connection, type Model } from 'mongoose';
import type { EventEnvelope } from '@aap/contracts';
import { connectionModel } from './connection-model';

/** Why an outbox entry could never be published. */
export const OUTBOX_REJECTION_REASONS = ['unknown-type', 'too-large', 'broker-refused'] as const;
export type OutboxRejectionReason = (typeof OUTBOX_REJECTION_REASONS)[number];

/**
 * An outbox entry set aside because it can never be published (its type is not in the catalogue, it
 * is larger than the broker accepts, or the broker refused that very message). Kept in the service
 * database so an operator can see it and repair the cause; it no longer blocks anything.
 */
export interface RejectedOutboxEntry {
  /** The event id. */
  _id: string;
  type: string;
  reason: OutboxRejectionReason;
  detail: string;
  /** The aggregate whose outbox held it. */
  aggregate: { collection: string; id: string };
  /** The envelope; when huge, its `data` is replaced by the start of its JSON (`truncated`). */
  envelope: Record<string, unknown>;
  truncated: boolean;
  /** Size of the whole envelope, JSON-encoded. */
  bytes: number;
  /** Its publication order in the aggregate's outbox. */
  seq: number;
  rejectedAt: Date;
}

export function outboxRejectedModel(connection: Connection): Model<RejectedOutboxEntry> {
  return connectionModel(connection, 'RejectedOutboxEntry', () =>
    new Schema<RejectedOutboxEntry>(
      {
        _id: { type: String, required: true },
        type: String,
        reason: { type: String, enum: OUTBOX_REJECTION_REASONS, index: true },
        detail: String,
        aggregate: { _id: false, collection: { type: String, index: true }, id: String },
        envelope: { type: Schema.Types.Mixed },
        truncated: Boolean,
        bytes: Number,
        seq: Number,
        rejectedAt: { type: Date, index: true },
      },
      { collection: 'outbox_rejected', versionKey: false },
    ),
  );
}

/** Envelopes up to this size are kept whole; a larger one keeps this much of its data's JSON. */
const KEPT_ENVELOPE_BYTES = 16 * 1024;

/** The document recording a rejected entry (the envelope cut down when huge). */
export function rejectedEntry(
  envelope: EventEnvelope,
  seq: number,
  aggregate: RejectedOutboxEntry['aggregate'],
  reason: OutboxRejectionReason,
  detail: string,
  rejectedAt = new Date(),
): RejectedOutboxEntry {
  const bytes = Buffer.byteLength(JSON.stringify(envelope));
  const truncated = bytes > KEPT_ENVELOPE_BYTES;
  const kept = truncated ? { ...envelope, data: JSON.stringify(envelope.data).slice(0, KEPT_ENVELOPE_BYTES) } : envelope;
  return { _id: envelope.id, type: envelope.type, reason, detail, aggregate, envelope: kept as unknown as Record<string, unknown>, truncated, bytes, seq, rejectedAt };
}
