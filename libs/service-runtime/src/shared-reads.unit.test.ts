import { describe, expect, it } from 'vitest';
import { sharedReads } from './shared-reads';

/** A store whose reads see its value when they start, and end when the test says (oldest first). */
function slowStore() {
  let value = 0;
  let reads = 0;
  const pending: Array<{ end: () => void; fail: () => void }> = [];
  return {
    set: (next: number) => {
      value = next;
    },
    get reads() {
      return reads;
    },
    get pending() {
      return pending.length;
    },
    read: () => {
      reads++;
      const seen = value;
      return new Promise<number>((resolve, reject) => pending.push({ end: () => resolve(seen), fail: () => reject(new Error('read failed')) }));
    },
    endOldest: async () => {
      pending.shift()!.end();
      await new Promise((resolve) => setImmediate(resolve));
    },
    failOldest: async () => {
      pending.shift()!.fail();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('shared reads', () => {
  it('given a read under way, when others ask meanwhile, then they share ONE next read, started after they asked (a write before the ask is seen)', async () => {
    const store = slowStore();
    const reads = sharedReads(store.read);
    const first = reads.read('call');
    store.set(1); // written while the first read is under way, before the next callers ask
    const later = Promise.all([reads.read('call'), reads.read('call'), reads.read('call')]);
    expect(store.reads).toBe(1); // the next read waits for the one under way
    await store.endOldest();
    expect(await first).toBe(0);
    expect(store.reads).toBe(2);
    await store.endOldest();
    expect(await later).toEqual([1, 1, 1]);
    expect(store.pending).toBe(0);
  });

  it('given nothing under way, when a caller asks, then it starts its own read; other keys never share', async () => {
    const store = slowStore();
    const reads = sharedReads(store.read);
    const a = reads.read('a');
    const b = reads.read('b');
    expect(store.reads).toBe(2);
    await store.endOldest();
    await store.endOldest();
    await Promise.all([a, b]);
    store.set(7);
    const again = reads.read('a');
    expect(store.reads).toBe(3);
    await store.endOldest();
    expect(await again).toBe(7);
  });

  it('given a read that fails, then its callers get the error and the callers waiting for the next read are still answered', async () => {
    const store = slowStore();
    const reads = sharedReads(store.read);
    const failing = reads.read('call');
    const waiting = reads.read('call');
    store.set(3);
    await store.failOldest();
    await expect(failing).rejects.toThrow('read failed');
    await store.endOldest();
    expect(await waiting).toBe(3);
  });
});
