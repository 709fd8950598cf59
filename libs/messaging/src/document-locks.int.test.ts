import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import mongoose, { Schema } from 'mongoose';
import { storesOfThisRun, useTestEnvironment } from '@aap/test-harness';
import { outboxPlugin } from './outbox';

const env = useTestEnvironment();
/** Each store of the run, asked what it is: the lock exists for FerretDB, so FerretDB must be among them. */
const stores = await storesOfThisRun();

describe('the per-document lock is tested where it matters', () => {
  it('this run has a FerretDB to test it on', () => {
    const seen = stores.map((store) => `${store.kind} ${store.version}`).join(', ');
    expect(
      stores.map((store) => store.kind),
      `stores of this run: ${seen}. MongoDB applies a single-document update atomically, so the lock proves nothing there: ` +
        'give a FerretDB too (FERRETDB_URI=mongodb://127.0.0.1:27017/ after `npm run infra -- up`, or run on the local processes)',
    ).toContain('ferretdb');
  });
});

/**
 * FerretDB 1.24 updates by "find, then replace": without the per-document lock two guarded updates
 * of the same version could both win, and concurrent increments lose all but one. Through an outbox
 * aggregate's model (which declares the lock), neither happens.
 */
describe.each(stores)('on $kind $version: writes to one document are serialised', (store) => {
  let connection: mongoose.Connection;
  interface Counted {
    _id: string;
    version: number;
    winners: string[];
    counter: number;
  }
  let Aggregate: mongoose.Model<Counted>;

  beforeAll(async () => {
    connection = await mongoose.createConnection(store.uri, { dbName: `${env.prefix}_locks_${store.kind}` }).asPromise();
    const schema = new Schema<Counted>({ _id: String, version: Number, winners: [String], counter: Number }, { versionKey: false });
    schema.plugin(outboxPlugin);
    Aggregate = connection.model<Counted>('LockedAggregate', schema);
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('of twenty concurrent updates guarded on the same version, exactly one applies', async () => {
    await Aggregate.create({ _id: 'a1', version: 1, winners: [], counter: 0 });

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => Aggregate.updateOne({ _id: 'a1', version: 1 }, { $inc: { version: 1 }, $push: { winners: `w${i}` } })),
    );
    expect(results.filter((r) => r.modifiedCount === 1)).toHaveLength(1);
    const stored = await Aggregate.findById('a1').lean();
    expect(stored).toMatchObject({ version: 2 });
    expect(stored!.winners).toHaveLength(1);
  });

  it('twenty concurrent increments of one counter all count', async () => {
    await Aggregate.create({ _id: 'c1', version: 1, winners: [], counter: 0 });

    await Promise.all(Array.from({ length: 20 }, () => Aggregate.updateOne({ _id: 'c1' }, { $inc: { counter: 1 } })));

    expect(await Aggregate.findById('c1').lean()).toMatchObject({ counter: 20 });
  });
});
