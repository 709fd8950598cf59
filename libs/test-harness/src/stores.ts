import { inject } from 'vitest';
import mongoose from 'mongoose';

/** A database server the tests can reach, and what it really is (asked, never assumed from the URI). */
export interface Store {
  kind: 'ferretdb' | 'mongodb';
  version: string;
  uri: string;
}

/** What answers at `uri`: FerretDB says so in buildInfo (`ferretdbVersion`); otherwise MongoDB. */
export async function storeAt(uri: string): Promise<Store> {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    return info.ferretdbVersion ? { kind: 'ferretdb', version: String(info.ferretdbVersion), uri } : { kind: 'mongodb', version: String(info.version), uri };
  } finally {
    await client.close();
  }
}

/**
 * Every store of this run, each named by what it is: the run's database (MONGODB_URI, the
 * containers' MongoDB, or the local FerretDB) and FERRETDB_URI when it is another one. Tests whose
 * point is FerretDB's behaviour (the document lock) run on each and require FerretDB among them.
 */
export async function storesOfThisRun(): Promise<Store[]> {
  const uris = [...new Set([inject('mongoUri'), inject('ferretdbUri')].filter((uri): uri is string => Boolean(uri)))];
  return Promise.all(uris.map(storeAt));
}
