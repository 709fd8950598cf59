import { Schema } from 'mongoose';
import { documentStore, type ServiceContext } from '@aap/service-runtime';
import type { OutboxFields } from '@aap/messaging';
import { applyAssignmentFact, assignmentId, type AssignmentFact, type ReviewerAssignment } from './assignment';

type AssignmentDocument = ReviewerAssignment & OutboxFields;

export function assignmentStore(context: ServiceContext) {
  const schema = new Schema<AssignmentDocument>({
    _id: { type: String, required: true },
    dossierId: { type: String, required: true },
    reviewerId: { type: String, required: true },
    active: { type: Boolean, required: true },
    at: { type: Date, required: true },
    eventId: { type: String, required: true },
    version: { type: Number, required: true },
  });
  // Declared as an aggregate for its per-document lock (guarded writes on FerretDB); it publishes nothing.
  const Assignment = context.aggregate<AssignmentDocument>('ReviewerAssignment', schema, { collection: 'reviewer_assignments' });
  const commands = context.commands(
    documentStore<ReviewerAssignment, AssignmentDocument>(Assignment, {
      name: 'reviewer assignment',
      toState: ({ _id, dossierId, reviewerId, active, at, eventId, version }) => ({ _id, dossierId, reviewerId, active, at: new Date(at), eventId, version }),
      toFields: ({ _id: _ignored, ...fields }) => fields,
    }),
  );

  /** One document by `_id`: the access check of every reviewer read. */
  const get = (dossierId: string, reviewerId: string) => Assignment.findById(assignmentId(dossierId, reviewerId)).lean<ReviewerAssignment>();

  /** Applies a fact through the command handler: a lost race (two deliveries at once) decides again on what is stored. */
  const apply = async (fact: AssignmentFact): Promise<void> => {
    await commands.handle(assignmentId(fact.dossierId, fact.reviewerId), (current) => applyAssignmentFact(current, fact));
  };

  return { model: Assignment, get, apply };
}

export type AssignmentStore = ReturnType<typeof assignmentStore>;
