import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import mongoose, { Schema } from 'mongoose';
import { useTestEnvironment } from '@aap/test-harness';
import { outboxPlugin } from './outbox';

const env = useTestEnvironment();

/**
 * FerretDB 1.24 updates by "find, then replace": without the per-document lock two guarded updates
 * of the same version could both win. Through an outbox aggregate's model, exactly one does.
 */
describe('writes to one document are serialised', () => {
  let connection: mongoose.Connection;
  beforeAll(async () => {
    connection = await mongoose.createConnection(env.mongoUri, { dbName: `${env.prefix}_locks` }).asPromise();
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('of twenty concurrent updates guarded on the same version, exactly one applies', async () => {
    const schema = new Schema({ _id: String, version: Number, winners: [String] }, { versionKey: false });
    schema.plugin(outboxPlugin);
    const Aggregate = connection.model('LockedAggregate', schema);
    await Aggregate.create({ _id: 'a1', version: 1, winners: [] });

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => Aggregate.updateOne({ _id: 'a1', version: 1 }, { $inc: { version: 1 }, $push: { winners: `w${i}` } })),
    );
    expect(results.filter((r) => r.modifiedCount === 1)).toHaveLength(1);
    const stored = await Aggregate.findById('a1').lean();
    expect(stored).toMatchObject({ version: 2 });
    expect(stored!.winners).toHaveLength(1);
  });
});
