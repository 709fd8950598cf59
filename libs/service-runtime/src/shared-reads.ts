/**
 * Reads of one key shared by the callers that ask at the same time, without ever answering a caller
 * with a read that started before it asked (so a write finished before the ask is always seen):
 *
 * - no read of the key under way: the caller starts one;
 * - one under way: the caller waits for the NEXT read, which starts when the one under way ends and is
 *   shared by every caller that asked meanwhile.
 *
 * Ten readers of a hot key at once cost two reads instead of ten, and each still sees what was written
 * before it asked. A failed read fails its callers only; the next caller starts again.
 */
export interface SharedReads<T> {
  read(key: string): Promise<T>;
}

interface KeyReads<T> {
  current: Promise<T>;
  next?: Promise<T>;
}

export function sharedReads<T>(read: (key: string) => Promise<T>): SharedReads<T> {
  const underWay = new Map<string, KeyReads<T>>();

  function start(key: string): Promise<T> {
    const current = read(key);
    const reads: KeyReads<T> = { current };
    underWay.set(key, reads);
    const settled = () => {
      if (underWay.get(key) !== reads) return;
      if (reads.next === undefined) underWay.delete(key);
    };
    current.then(settled, settled);
    return current;
  }

  return {
    read(key) {
      const reads = underWay.get(key);
      if (reads === undefined) return start(key);
      // Chained on the read under way (its outcome does not matter): started when it ends, for everyone who asked meanwhile.
      reads.next ??= reads.current.then(
        () => start(key),
        () => start(key),
      );
      return reads.next;
    },
  };
}
