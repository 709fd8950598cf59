import type { Model, UpdateQuery } from 'mongoose';
import { conflict } from '@aap/http';
import { isDuplicateKey, withEvents, type PendingEvent } from '@aap/messaging';

/** The aggregate a change was decided on: its id and the version it had then. */
export interface Current {
  id: string;
  version: number;
}

/**
 * Writes a decided change and its events in ONE guarded single-document update: it applies only if
 * the aggregate still has the version the change was decided on (`{_id, version}`), bumps the version,
 * and stores the events in the document's outbox. On FerretDB, whose update is not atomic, the
 * document's lease (document-locks.ts, taken by the model's plugin) serialises it with every other
 * write of every process. False when the race was lost.
 */
export async function record<Doc>(model: Model<Doc>, current: Current, update: UpdateQuery<Doc>, events: readonly PendingEvent[] = []): Promise<boolean> {
  const guarded = { ...update, $inc: { ...(update.$inc as Record<string, number> | undefined), version: 1 } } as UpdateQuery<Doc>;
  const result = await model.updateOne({ _id: current.id, version: current.version } as never, events.length ? withEvents<Doc>(guarded, [...events]) : guarded);
  return result.matchedCount === 1;
}

/** Inserts `doc` unless a document with its key (`_id` or another unique index) exists already. */
export async function insertOnce<Doc>(model: Model<Doc>, doc: Partial<Doc> & { _id: unknown }): Promise<'inserted' | 'exists'> {
  try {
    await model.create(doc);
    return 'inserted';
  } catch (error) {
    if (isDuplicateKey(error)) return 'exists';
    throw error;
  }
}

/** The 409 of a guarded write that lost its race: the aggregate changed since it was read. */
export function concurrentChange(what: string, version: number) {
  const detail = `${what} was changed by another request at the same time (from version ${version}); reload it and retry`;
  return conflict(detail, [{ name: 'concurrent-change', in: 'rule', detail }]);
}
