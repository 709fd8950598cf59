import type { Connection } from 'mongoose';

/**
 * `AAP-<year>-<000001>`: a per-year sequence in the `counters` collection ($inc is atomic on both
 * FerretDB and MongoDB). A number taken by a submit that then loses a race is skipped, never reused.
 */
export async function nextDossierNumber(db: Connection, now: Date): Promise<string> {
  const year = now.getUTCFullYear();
  const counters = db.collection<{ _id: string; value: number }>('counters');
  for (let attempt = 1; ; attempt++) {
    try {
      const counter = await counters.findOneAndUpdate({ _id: `dossier-number-${year}` }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
      return `AAP-${year}-${String(counter!.value).padStart(6, '0')}`;
    } catch (error) {
      // Two first numbers of the year at once: both upserts insert, one loses on the _id. The counter
      // exists now, so the retry increments it (MongoDB retries this itself, FerretDB does not).
      if ((error as { code?: number }).code !== 11000 || attempt >= 3) throw error;
    }
  }
}
