import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { localCopies } from './local-copies';

/** A store whose reads the test answers one by one (each read waits until the test releases it). */
function slowStore() {
  const values = new Map<string, number>();
  const pending: Array<() => void> = [];
  let reads = 0;
  return {
    values,
    get reads() {
      return reads;
    },
    read: (id: string) => {
      reads++;
      const value = values.get(id) ?? null;
      return new Promise<number | null>((resolve) => pending.push(() => resolve(value)));
    },
    answerAll: () => pending.splice(0).forEach((answer) => answer()),
  };
}

describe('local copies', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  it('serves a copy for freshMs after its read started, then reads again; requests meanwhile share one read', async () => {
    const store = slowStore();
    store.values.set('a', 1);
    const copies = localCopies(store.read, { freshMs: 1_000, max: 10 });
    const both = Promise.all([copies.get('a'), copies.get('a')]);
    store.answerAll();
    expect(await both).toEqual([1, 1]);
    expect(store.reads).toBe(1);

    store.values.set('a', 2);
    vi.advanceTimersByTime(999);
    expect(await copies.get('a')).toBe(1);
    vi.advanceTimersByTime(1);
    const again = copies.get('a');
    store.answerAll();
    expect(await again).toBe(2);
    expect(store.reads).toBe(2);
  });

  it('forget: the next get reads the store, and a read under way during it is answered but not kept', async () => {
    const store = slowStore();
    store.values.set('a', 1);
    const copies = localCopies(store.read, { freshMs: 60_000, max: 10 });
    const before = copies.get('a'); // reads 1
    store.values.set('a', 2);
    copies.forget('a'); // the write is done: what `before` reads must not be kept
    store.answerAll();
    expect(await before).toBe(1);
    const after = copies.get('a');
    store.answerAll();
    expect(await after).toBe(2);
    expect(store.reads).toBe(2);
  });

  it('keeps no missing document, and at most max copies (the least recently used dropped)', async () => {
    const store = slowStore();
    const copies = localCopies(store.read, { freshMs: 60_000, max: 2 });
    const get = async (id: string) => {
      const value = copies.get(id);
      store.answerAll();
      return value;
    };
    expect(await get('missing')).toBeNull();
    expect(await get('missing')).toBeNull();
    expect(store.reads).toBe(2);

    store.values.set('a', 1).set('b', 2).set('c', 3);
    await get('a');
    await get('b');
    await get('a'); // a: most recently used
    await get('c'); // b dropped
    const reads = store.reads;
    await get('a');
    await get('c');
    expect(store.reads).toBe(reads);
    await get('b');
    expect(store.reads).toBe(reads + 1);
  });
});
