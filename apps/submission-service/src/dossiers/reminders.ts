import type { ServiceContext } from '@aap/service-runtime';
import type { DossierPorts } from './dossier.routes';
import type { DossierStore } from './dossier.store';
import { remindOfClosing } from './dossier';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A draft still open `reminderDaysBeforeClose` days before its wave closes produces one
 * `dossier.draft-closing-soon` event (the notification service writes to the applicant). The reminder
 * is keyed to the wave's closing time, so an extension of the call arms a new one.
 */
export function scheduleDraftReminders(context: ServiceContext, store: DossierStore, { calls }: DossierPorts): void {
  context.schedule('draft-reminders', async (now) => {
    // From the few published calls, not from the drafts: drafts are read only for a wave inside its
    // reminder window, so an idle platform with thousands of drafts reads none of them.
    for (const call of await calls.published()) {
      const callId = call.callId;
      for (const wave of call.waves) {
        const closesAt = new Date(wave.closesAt);
        const remindFrom = closesAt.getTime() - call.reminderDaysBeforeClose * DAY_MS;
        if (now.getTime() < remindFrom || now >= closesAt) continue;
        const reminder = { closesAt: wave.closesAt, callTitle: call.title, daysLeft: Math.floor((closesAt.getTime() - now.getTime()) / DAY_MS) };
        for (const draft of await store.draftsToRemind(callId, wave.waveId, wave.closesAt)) {
          // Decided on the stored dossier (through the command handler): two instances, or two ticks, never remind twice for the same closing time.
          await store.commands.handleExisting(draft.dossierId, (dossier) => remindOfClosing(dossier, reminder));
        }
      }
    }
  });
}
