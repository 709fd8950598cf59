import type { Versioned } from '@aap/contracts';
import type { CommandHandler } from './command-handler';

/**
 * An in-process copy of documents a hot path reads by `_id` and that change rarely (a call, an
 * organisation), so that a request does not pay a database round trip for each of them.
 *
 * How fresh: a copy is served for at most `freshMs` after the read that made it STARTED; past that
 * the next `get` reads the store again (one read shared by the requests that ask meanwhile). A change
 * made by this process is seen at once: its writes go through `forgettingOnWrite`, which drops the
 * copy when the write is done, and a read that was under way during the write is answered but not
 * kept. So a change made by another instance is seen within `freshMs`, one made here by the next read.
 *
 * Bounded: at most `max` copies, the least recently used dropped first. A missing document is not
 * kept (its next `get` reads again): creating it is seen at once. A copy is shared by every request
 * that reads it: it is read, never changed (decide functions return new states).
 */
export interface LocalCopies<T> {
  get(id: string): Promise<T | null>;
  /** Drops the copy of `id` (and any read of it under way): the next `get` reads the store. */
  forget(id: string): void;
}

export interface LocalCopyOptions {
  /** How long a copy is served without reading the store again: the staleness bound for changes made elsewhere. */
  freshMs: number;
  /** Copies kept at most. */
  max: number;
}

interface Entry<T> {
  value: T;
  readAt: number;
}

export function localCopies<T>(read: (id: string) => Promise<T | null>, { freshMs, max }: LocalCopyOptions): LocalCopies<T> {
  const entries = new Map<string, Entry<T>>();
  const reading = new Map<string, Promise<T | null>>();
  // Bumped by every `forget`: a read started before it is answered to its callers but never kept.
  let epoch = 0;

  function keep(id: string, entry: Entry<T>): void {
    entries.delete(id);
    entries.set(id, entry);
    if (entries.size > max) entries.delete(entries.keys().next().value!);
  }

  function readFresh(id: string): Promise<T | null> {
    const under = reading.get(id);
    if (under) return under;
    const startedAt = Date.now();
    const startedIn = epoch;
    const pending = read(id).then(
      (value) => {
        if (reading.get(id) === pending) reading.delete(id);
        if (value !== null && epoch === startedIn) keep(id, { value, readAt: startedAt });
        return value;
      },
      (error: unknown) => {
        if (reading.get(id) === pending) reading.delete(id);
        throw error;
      },
    );
    reading.set(id, pending);
    return pending;
  }

  return {
    async get(id) {
      const entry = entries.get(id);
      if (entry && Date.now() - entry.readAt < freshMs) {
        keep(id, entry); // most recently used
        return entry.value;
      }
      return readFresh(id);
    },
    forget(id) {
      epoch++;
      entries.delete(id);
      reading.delete(id);
    },
  };
}

/** The same command handler, dropping the local copy of each aggregate it handled once the command is done (written or not). */
export function forgettingOnWrite<State extends Versioned>(commands: CommandHandler<State>, copies: Pick<LocalCopies<unknown>, 'forget'>): CommandHandler<State> {
  const after = async <R>(id: string, run: () => Promise<R>): Promise<R> => {
    try {
      return await run();
    } finally {
      copies.forget(id);
    }
  };
  return {
    handle: (id, decide, metadata, options) => after(id, () => commands.handle(id, decide, metadata, options)),
    handleNew: (id, decide, metadata) => after(id, () => commands.handleNew(id, decide, metadata)),
    handleExisting: (id, decide, metadata, options) => after(id, () => commands.handleExisting(id, decide, metadata, options)),
  };
}
