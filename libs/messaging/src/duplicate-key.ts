/**
 * True for a write refused by a unique index: MongoDB's E11000 (code 11000), and FerretDB's SQLite
 * backend, which reports a unique constraint broken by an update as an internal error.
 */
export function isDuplicateKey(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 11000 || (typeof message === 'string' && message.includes('UNIQUE constraint failed'));
}
