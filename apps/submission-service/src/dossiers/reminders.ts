import { DossierDraftClosingSoon } from '@aap/contracts';
import { newEvent, withEvents } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierDependencies } from './index';
import type { DossierDocument } from './dossier.model';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A draft still open `reminderDaysBeforeClose` days before its wave closes produces one
 * `dossier.draft-closing-soon` event (the notification service writes to the applicant). The reminder
 * is keyed to the wave's closing time, so an extension of the call arms a new one.
 */
export function scheduleDraftReminders(context: ServiceContext, { Dossier, calls }: DossierDependencies): void {
  context.schedule('draft-reminders', async (now) => {
    const callIds: string[] = await Dossier.distinct('callId', { status: 'draft' });
    for (const callId of callIds) {
      const call = await calls.get(callId);
      if (!call || call.status !== 'published') continue;
      for (const wave of call.waves) {
        const closesAt = new Date(wave.closesAt);
        const remindFrom = closesAt.getTime() - call.reminderDaysBeforeClose * DAY_MS;
        if (now.getTime() < remindFrom || now >= closesAt) continue;
        const drafts = await Dossier.find({ callId, waveId: wave.waveId, status: 'draft', reminderSentForClosesAt: { $ne: wave.closesAt } }).lean<DossierDocument[]>();
        for (const draft of drafts) {
          const event = newEvent(context.service, DossierDraftClosingSoon, {
            dossierId: draft._id,
            callId,
            waveId: wave.waveId,
            organisationId: draft.organisationId,
            title: draft.project?.title ?? call.title,
            closesAt: wave.closesAt,
            daysLeft: Math.floor((closesAt.getTime() - now.getTime()) / DAY_MS),
          });
          // Guarded: two instances, or two ticks, never remind twice for the same closing time.
          await Dossier.updateOne(
            { _id: draft._id, status: 'draft', reminderSentForClosesAt: { $ne: wave.closesAt } },
            withEvents({ $set: { reminderSentForClosesAt: wave.closesAt } }, [event]),
          );
        }
      }
    }
  });
}
