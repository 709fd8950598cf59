import { Schema } from 'mongoose';
import type { EventEnvelope } from '@aap/contracts';
import { documentStore, startingFrom, type DocumentMapping, type ServiceContext } from '@aap/service-runtime';
import { appendEntry, emptyHistory, entryOf, type AwardHistory, type HistoryEntry } from './history';

/** The awards' histories as stored: one document per award, its entries appended through the command handler. */
interface HistoryDocument {
  _id: string;
  entries: HistoryEntry[];
  version: number;
}

const MAPPING: DocumentMapping<AwardHistory, HistoryDocument> = {
  name: 'award history',
  toState: ({ _id, entries, version }) => ({ awardId: _id, entries: entries ?? [], version }),
  toFields: ({ entries }) => ({ entries }),
};

export function historyProjection(context: ServiceContext) {
  const schema = new Schema<HistoryDocument>(
    { _id: { type: String, required: true }, entries: { type: Schema.Types.Mixed, default: () => [] }, version: { type: Number, required: true } },
    { minimize: false },
  );
  const History = context.model<HistoryDocument>('AwardHistory', schema, { collection: 'award_histories' });
  const store = documentStore(History, MAPPING);
  const histories = context.commands(store);
  return {
    /** The event as an entry of its award's history, once (the same event again writes nothing). */
    async append(awardId: string, event: EventEnvelope): Promise<void> {
      await histories.handle(awardId, startingFrom(emptyHistory(awardId), (history) => appendEntry(history, entryOf(event))));
    },
    load: (awardId: string) => store.load(awardId),
  };
}
export type HistoryProjection = ReturnType<typeof historyProjection>;
