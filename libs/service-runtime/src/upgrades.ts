import type { Connection } from 'mongoose';
import { isDuplicateKey } from '@aap/messaging';

/**
 * Runs each upgrade of documents written by an earlier version once per database: done upgrades are
 * recorded in `schema_upgrades` (`_id` = its name), so a restart costs one `_id` lookup per upgrade,
 * not a scan. An upgrade must be idempotent: two instances starting together may both run it.
 */
export async function runUpgrades(db: Connection, upgrades: Record<string, () => Promise<void>>): Promise<void> {
  const done = db.collection<{ _id: string; at: Date }>('schema_upgrades');
  for (const [name, upgrade] of Object.entries(upgrades)) {
    if (await done.findOne({ _id: name })) continue;
    await upgrade();
    try {
      await done.insertOne({ _id: name, at: new Date() });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
}
