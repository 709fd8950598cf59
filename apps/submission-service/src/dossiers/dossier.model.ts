import { Schema, type Connection, type Model } from 'mongoose';
import type { ApplicantSnapshot, DossierStatus } from '@aap/contracts';
import { outboxPlugin, type OutboxFields } from '@aap/messaging';
import type { BudgetDraft, ProjectDraft } from './dossier';

export interface ComplementRequest {
  complementRequestId: string;
  message: string;
  dueDate?: string;
  requestedAt: Date;
  answeredAt?: Date;
  answer?: string;
}

export interface HistoryEntry {
  status: DossierStatus;
  at: Date;
  /** The user (applicant) or the event (evaluation decision) that made the change. */
  by?: string;
  eventId?: string;
  note?: string;
}

export interface DossierDocument extends OutboxFields {
  _id: string;
  /** Given at submission: `AAP-<year>-<6 digits>`. */
  number?: string;
  callId: string;
  waveId: string;
  organisationId: string;
  status: DossierStatus;
  project: ProjectDraft;
  budget: BudgetDraft;
  /** The organisation as it was when the dossier was (re)submitted. */
  applicant?: ApplicantSnapshot;
  submittedAt?: Date;
  contentHash?: string;
  /** Idempotency-Key of the accepted submit: a retry with it gets the same receipt. */
  submitIdempotencyKey?: string;
  complementRequests: ComplementRequest[];
  decision?: { kind: string; motivation: string; grantCents?: number; at: Date };
  /** Evaluation events already applied (a redelivery changes nothing). */
  appliedEventIds: string[];
  history: HistoryEntry[];
  reminderSentForClosesAt?: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export type DossierModel = Model<DossierDocument>;

export function dossierModel(db: Connection): DossierModel {
  const schema = new Schema<DossierDocument>(
    {
      _id: { type: String, required: true },
      number: { type: String, index: true },
      callId: { type: String, required: true, index: true },
      waveId: { type: String, required: true },
      organisationId: { type: String, required: true, index: true },
      status: { type: String, required: true, index: true },
      // Parts are validated by the routes' zod schemas; stored as given.
      project: { type: Schema.Types.Mixed, default: () => ({}) },
      budget: { type: Schema.Types.Mixed, default: () => ({}) },
      applicant: { type: Schema.Types.Mixed },
      submittedAt: Date,
      contentHash: String,
      submitIdempotencyKey: String,
      complementRequests: [
        { _id: false, complementRequestId: String, message: String, dueDate: String, requestedAt: Date, answeredAt: Date, answer: String },
      ],
      decision: { type: Schema.Types.Mixed },
      appliedEventIds: { type: [String], default: [] },
      history: [{ _id: false, status: String, at: Date, by: String, eventId: String, note: String }],
      reminderSentForClosesAt: String,
      createdBy: { type: String, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      version: { type: Number, required: true, default: 1 },
    },
    { collection: 'dossiers', versionKey: false, minimize: false },
  );
  schema.index({ organisationId: 1, callId: 1, waveId: 1, status: 1 });
  schema.plugin(outboxPlugin);
  return db.model<DossierDocument>('Dossier', schema);
}
