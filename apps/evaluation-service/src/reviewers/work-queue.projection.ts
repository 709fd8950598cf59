import { Schema } from 'mongoose';
import { paginate, type Pagination } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { EvaluationState } from '../evaluations';
import { reminderDueAt } from './assignment';

/**
 * The reviewers' work queues: one row per assignment (`_id` = `<dossierId>:<reviewerId>`), kept from
 * the evaluation itself each time one of its evaluation.* events is consumed — the row is rebuilt
 * from the aggregate's current state, so a redelivered or late event rewrites the same row (idempotent,
 * never stale after the last event). A recused assignment leaves the queue.
 *
 * Read by an equality on the indexed `reviewerId`; the deadline reminders read one day bucket
 * (`remindOn`, the UTC day the reminder is due, set only while one is to be sent) by equality.
 */
export interface WorkItemDocument {
  _id: string;
  reviewerId: string;
  dossierId: string;
  number: string;
  callId: string;
  waveId: string;
  title: string;
  stage: string;
  state: 'assigned' | 'submitted';
  assignedAt: Date;
  dueAt: Date;
  remindedAt?: Date;
  submittedAt?: Date;
  remindOn?: string;
}

/** The UTC day of an instant, the bucket of the reminder job. */
export const dayOf = (instant: Date) => instant.toISOString().slice(0, 10);

export function workQueue(context: ServiceContext) {
  const schema = new Schema<WorkItemDocument>(
    {
      _id: String,
      reviewerId: { type: String, required: true, index: true },
      dossierId: { type: String, required: true },
      number: String,
      callId: String,
      waveId: String,
      title: String,
      stage: String,
      state: String,
      assignedAt: Date,
      dueAt: Date,
      remindedAt: Date,
      submittedAt: Date,
      remindOn: { type: String, index: true },
    },
    { collection: 'reviewer_work_queue', versionKey: false },
  );
  const WorkItem = context.db.model<WorkItemDocument>('ReviewerWorkItem', schema);

  return {
    /** Rewrites the rows of every assignment of the evaluation from its current state. */
    async refresh(state: EvaluationState, reminderDaysBefore: number): Promise<void> {
      for (const assignment of state.assignments) {
        const _id = `${state.dossierId}:${assignment.reviewerId}`;
        if (assignment.state === 'recused') {
          await WorkItem.deleteOne({ _id });
          continue;
        }
        const review = state.reviews.find((r) => r.reviewerId === assignment.reviewerId);
        const toRemind = assignment.state === 'assigned' && !assignment.remindedAt && state.stage === 'in-review';
        const row = {
          reviewerId: assignment.reviewerId,
          dossierId: state.dossierId,
          number: state.number,
          callId: state.callId,
          waveId: state.waveId,
          title: state.snapshot.project.title,
          stage: state.stage,
          state: assignment.state,
          assignedAt: assignment.assignedAt,
          dueAt: assignment.dueAt,
          ...(assignment.remindedAt ? { remindedAt: assignment.remindedAt } : {}),
          ...(review ? { submittedAt: review.submittedAt } : {}),
          ...(toRemind ? { remindOn: dayOf(reminderDueAt(assignment.dueAt, reminderDaysBefore)) } : {}),
        };
        const unset = [...(toRemind ? [] : ['remindOn']), ...(assignment.remindedAt ? [] : ['remindedAt']), ...(review ? [] : ['submittedAt'])];
        await WorkItem.updateOne({ _id }, { $set: row, ...(unset.length ? { $unset: Object.fromEntries(unset.map((f) => [f, ''])) } : {}) }, { upsert: true });
      }
    },

    /** A reviewer's assignments (open and submitted), the nearest deadline first. */
    ofReviewer: (reviewerId: string, pagination: Pagination) => paginate(WorkItem, { reviewerId }, { ...pagination, sort: { dueAt: 1 } }, (doc: WorkItemDocument) => doc, { count: true }),

    /** The assignments whose reminder falls on `day` and is not sent yet. */
    toRemindOn: (day: string) => WorkItem.find({ remindOn: day }).lean<WorkItemDocument[]>(),

    /** The reminder went out: the row leaves its bucket at once (the event's refresh would do it a little later). */
    reminded: (id: string, at: Date) => WorkItem.updateOne({ _id: id }, { $set: { remindedAt: at }, $unset: { remindOn: '' } }),
  };
}

export type WorkQueue = ReturnType<typeof workQueue>;
