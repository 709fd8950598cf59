import type { Connection } from 'mongoose';
import { conflict } from '@aap/http';
import { isDuplicateKey, withDocumentLock } from '@aap/messaging';

/**
 * Receipt numbers are unique: every submitted dossier gets `AAP-<year>-<000001>`, no two dossiers
 * ever share one, and a number is never handed out twice. Everything that makes it so is here:
 *
 * - a per-year counter document (`counters`, `_id` = `dossier-number-<year>`) incremented with `$inc`
 *   (by the number of submits of this process waiting at that moment: each gets one of the range).
 *   MongoDB applies it atomically; FerretDB runs it as find-then-replace, so the increment takes the
 *   counter's document lock, a lease in the database (`document-locks.ts`): no two processes hand out
 *   the same number;
 * - a unique index on the dossiers' `number` (`receiptNumberField`, declared by the dossier model):
 *   the backstop. A write it refuses (a counter restored from an older backup, a lease taken over from
 *   a writer that was only slow) is a 409 to retry, and the retry takes the next number.
 *
 * A number taken by a submit that then fails (refused, or a crash before its dossier is written) is
 * skipped, never reused: numbers are unique and increasing, not gapless.
 */

/** The dossier model's `number` field: unique among the dossiers that have one (drafts have none). */
export const receiptNumberField = { type: String, unique: true, sparse: true } as const;

export const receiptNumberOf = (year: number, sequence: number) => `AAP-${year}-${String(sequence).padStart(6, '0')}`;

/** A submit waiting for its number. */
interface Waiting {
  resolve(number: string): void;
  reject(error: unknown): void;
}

export function receiptNumbers(db: Connection) {
  const counters = db.collection<{ _id: string; value: number }>('counters');

  /** Adds `count` to the year's counter under its lock; the counter's value after. */
  async function take(year: number, count: number): Promise<number> {
    const counterId = `dossier-number-${year}`;
    const increment = (upsert: boolean) => counters.findOneAndUpdate({ _id: counterId }, { $inc: { value: count } }, { upsert, returnDocument: 'after' });
    const counter = await withDocumentLock(db, 'counters', counterId, () =>
      // Two processes creating the year's counter at once: one insert loses on the `_id`; the counter exists then.
      increment(true).catch((error: unknown) => (isDuplicateKey(error) ? increment(false) : Promise.reject(error))),
    );
    return counter!.value;
  }

  // The counter is one document every submit of the year increments, one at a time (its lock): at one
  // increment per round trip it would cap the submits per second. So the submits of this process that
  // wait while an increment is under way are served together by the next one (`$inc` by how many they are),
  // each its own number of the range, in the order they asked: numbers stay unique and follow the submits.
  const queues = new Map<number, Waiting[]>();

  async function serve(year: number, queue: Waiting[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0);
      try {
        const last = await take(year, batch.length);
        batch.forEach((waiting, i) => waiting.resolve(receiptNumberOf(year, last - batch.length + 1 + i)));
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    queues.delete(year);
  }

  /** The next number of `now`'s year. */
  function next(now: Date): Promise<string> {
    const year = now.getUTCFullYear();
    return new Promise<string>((resolve, reject) => {
      const queue = queues.get(year);
      if (queue) return void queue.push({ resolve, reject });
      const started: Waiting[] = [{ resolve, reject }];
      queues.set(year, started);
      void serve(year, started);
    });
  }

  /** Runs the write that records a number; a number the unique index refuses answers 409 (the retry takes the next one). */
  async function recording<T>(number: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const detail = `the receipt number ${number} was taken by another submission at the same time; submit again`;
      throw conflict(detail, [{ name: 'receipt-number-unique', in: 'rule', detail }]);
    }
  }

  return { next, recording };
}

export type ReceiptNumbers = ReturnType<typeof receiptNumbers>;
