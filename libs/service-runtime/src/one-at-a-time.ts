/**
 * Tasks of one key run one after another in this process, in the order they were asked; tasks of
 * different keys run side by side. For a hot aggregate that many requests change at once (the places
 * of an organisation submitting many dossiers): each task reads what the previous one wrote, so its
 * guarded write does not lose a race to its own process and retry — n changes cost n writes, not a
 * retry storm. Other processes are still met by the guarded write. A failed task fails its caller only.
 */
export interface OneAtATime {
  /** Runs `task` once the tasks of `key` asked before it are done; `queued`: it waited for one (what it read before may be stale). */
  run<T>(key: string, task: (queued: boolean) => Promise<T>): Promise<T>;
}

export function oneAtATime(): OneAtATime {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, task) {
      const previous = tails.get(key);
      const mine = previous ? previous.then(() => task(true)) : task(false);
      const tail = mine.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return mine;
    },
  };
}
