import { evaluationSettingsOf, type CallSnapshot } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { EvaluationStore } from '../evaluations/evaluation.store';
import { DAY_MS, remindReviewer } from './assignment';
import { dayOf, type WorkQueue } from './work-queue.projection';

/** Days of buckets read back: a reminder missed while the service was down still goes out within a week. */
const LOOK_BACK_DAYS = 7;

/**
 * The review deadline reminder: an open assignment gets one `evaluation.review-due-soon` the call's
 * `reviewReminderDaysBefore` days before its deadline. The job reads the work queue's day buckets
 * (an equality per day, never a range over all assignments) and records each reminder on the
 * evaluation — `remindedAt` and the event in one guarded write, so two ticks or two instances never
 * send it twice.
 */
export function scheduleReviewReminders(context: ServiceContext, deps: { store: EvaluationStore; calls: CallCopies; queue: WorkQueue }): void {
  const { store, calls, queue } = deps;
  context.schedule('review-reminders', async (now) => {
    const callsOfTick = new Map<string, Promise<CallSnapshot | null>>();
    const callOf = (callId: string) => callsOfTick.get(callId) ?? callsOfTick.set(callId, calls.get(callId)).get(callId)!;
    for (let back = LOOK_BACK_DAYS; back >= 0; back--) {
      for (const item of await queue.toRemindOn(dayOf(new Date(now.getTime() - back * DAY_MS)))) {
        const call = await callOf(item.callId);
        if (!call) continue;
        const handled = await store.commands.handleExisting(item.dossierId, (state) => remindReviewer(state, item.reviewerId, evaluationSettingsOf(call).reviewReminderDaysBefore, now));
        const remindedAt = handled?.after?.assignments.find((a) => a.reviewerId === item.reviewerId)?.remindedAt;
        if (remindedAt) await queue.reminded(item._id, remindedAt);
      }
    }
  });
}
