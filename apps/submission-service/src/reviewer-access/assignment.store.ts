import { Schema } from 'mongoose';
import { insertOnce, type ServiceContext } from '@aap/service-runtime';
import { applyAssignmentFact, assignmentId, type AssignmentFact, type ReviewerAssignment } from './assignment';

export function assignmentStore(context: ServiceContext) {
  const schema = new Schema<ReviewerAssignment>(
    {
      _id: { type: String, required: true },
      dossierId: { type: String, required: true },
      reviewerId: { type: String, required: true },
      active: { type: Boolean, required: true },
      at: { type: Date, required: true },
      eventId: { type: String, required: true },
      version: { type: Number, required: true },
    },
    { collection: 'reviewer_assignments', versionKey: false },
  );
  const Assignment = context.db.model<ReviewerAssignment>('ReviewerAssignment', schema);

  /** One document by `_id`: the access check of every reviewer read. */
  const get = (dossierId: string, reviewerId: string) => Assignment.findById(assignmentId(dossierId, reviewerId)).lean<ReviewerAssignment>();

  /**
   * Applies a fact with a write guarded on the version read (the first one by insert, `_id` unique):
   * a lost race reads again and decides again, so two deliveries never both write.
   */
  async function apply(fact: AssignmentFact): Promise<void> {
    for (;;) {
      const current = await get(fact.dossierId, fact.reviewerId);
      const next = applyAssignmentFact(current, fact);
      if (!next) return;
      if (!current) {
        if ((await insertOnce(Assignment, next)) === 'inserted') return;
        continue;
      }
      const { _id, ...fields } = next;
      const result = await Assignment.updateOne({ _id, version: current.version }, { $set: fields });
      if (result.matchedCount === 1) return;
    }
  }

  return { model: Assignment, get, apply };
}

export type AssignmentStore = ReturnType<typeof assignmentStore>;
