/**
 * The bucket of a key among `buckets` (read models kept in a bounded number of documents per call):
 * FNV-1a of the key, mod the count — stable across processes and releases, so that every instance
 * writes and reads a key in the same bucket. (The committee's scoreboard and the award ledger hold
 * their own copy of it, the same function.)
 */
export function fnvBucket(key: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % buckets;
}
