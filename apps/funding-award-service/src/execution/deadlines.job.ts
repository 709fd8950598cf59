import { Schema } from 'mongoose';
import { documentStore, runUpgrades, type ServiceContext } from '@aap/service-runtime';
import { dateIn, type Awards } from '../awards';
import { advanceCursor, daysToWalk, type DeadlineCursor } from './deadline-cursor';
import { applyDeadlines } from './execution';

const CURSOR_ID = 'award-lapses';

interface CursorDocument {
  _id: string;
  day: string;
  version: number;
}

/**
 * The scheduled job that applies the deadlines (décret 2018-514 art. 11) on the service's clock: it
 * walks the days from its stored cursor to today and, for each, the awards whose indexed `deadlineDay`
 * is that day (an equality, never a scan of the awards), deciding `applyDeadlines` on each through the
 * command handler. Several instances may run it at once: each lapse is one guarded write decided on
 * the stored award, so a second decision finds it lapsed and changes nothing; the cursor only moves
 * forward, after the walk (a crash walks the same days again, harmlessly).
 */
export async function registerDeadlineJob(context: ServiceContext, awards: Awards): Promise<void> {
  // Awards written before `deadlineDay` existed get theirs before the first tick.
  await runUpgrades(context.db, awards.upgrades);
  const schema = new Schema<CursorDocument>({ _id: { type: String, required: true }, day: { type: String, required: true }, version: { type: Number, required: true } });
  const store = documentStore<DeadlineCursor, CursorDocument>(context.model('AwardDeadlineCursor', schema, { collection: 'award_deadline_cursor' }), {
    name: 'award deadline cursor',
    toState: ({ _id, ...fields }) => ({ ...fields, id: _id }),
    toFields: ({ id: _id, ...fields }) => fields,
  });
  const cursors = context.commands(store);

  context.schedule('award-deadlines', async (now) => {
    const today = dateIn(now);
    let lapsed = 0;
    for (const day of daysToWalk(await store.load(CURSOR_ID), today)) {
      for (const awardId of await awards.lapsingOn(day)) {
        const handled = await awards.commands.handleExisting(awardId, (award) => applyDeadlines(award, now));
        if (handled?.written) lapsed++;
      }
    }
    await cursors.handle(CURSOR_ID, (cursor) => advanceCursor(cursor, { id: CURSOR_ID, today }));
    if (lapsed) context.logger.info({ lapsed, today }, 'awards lapsed on their deadlines');
  });
}
