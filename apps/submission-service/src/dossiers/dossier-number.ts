import type { Connection } from 'mongoose';

/**
 * `AAP-<year>-<000001>`: a per-year sequence in the `counters` collection ($inc is atomic on both
 * FerretDB and MongoDB). A number taken by a submit that then loses a race is skipped, never reused.
 */
export async function nextDossierNumber(db: Connection, now: Date): Promise<string> {
  const year = now.getUTCFullYear();
  const counter = await db
    .collection<{ _id: string; value: number }>('counters')
    .findOneAndUpdate({ _id: `dossier-number-${year}` }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
  return `AAP-${year}-${String(counter!.value).padStart(6, '0')}`;
}
