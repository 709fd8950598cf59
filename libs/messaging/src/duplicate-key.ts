/**
 * True for a write refused by a unique index: MongoDB's E11000 (code 11000), and FerretDB's SQLite
 * backend, which reports a unique constraint broken by an update as an internal error.
 */
export function isDuplicateKey(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 11000 || (typeof message === 'string' && message.includes('UNIQUE constraint failed'));
}

/**
 * Inserts documents in one unordered `insertMany`, each once: one whose `_id` is already there (a
 * copy, or written meanwhile by another instance) is skipped, the others are inserted all the same.
 * Resolves with the skipped ones.
 */
export async function insertEachOnce<Document>(
  target: { insertMany(documents: never[], options: { ordered: false }): Promise<unknown> },
  documents: readonly Document[],
): Promise<Document[]> {
  if (documents.length === 0) return [];
  try {
    await target.insertMany(documents as never[], { ordered: false });
    return [];
  } catch (error) {
    const reported = (error as { writeErrors?: unknown }).writeErrors;
    const writeErrors = (Array.isArray(reported) ? reported : reported ? [reported] : []) as Array<{ index?: number; err?: unknown }>;
    if (!(writeErrors.length > 0 ? writeErrors.every((writeError) => isDuplicateKey(writeError) || isDuplicateKey(writeError.err)) : isDuplicateKey(error))) throw error;
    const skipped = new Set(writeErrors.map((writeError) => writeError.index));
    // Without the positions, every document may be one that was there.
    return writeErrors.length > 0 && !skipped.has(undefined) ? documents.filter((_, index) => skipped.has(index)) : [...documents];
  }
}
