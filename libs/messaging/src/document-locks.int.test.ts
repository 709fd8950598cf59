import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import mongoose, { Schema } from 'mongoose';
import { storesOfThisRun, useTestEnvironment, waitFor } from '@aap/test-harness';
import { outboxPlugin } from './outbox';
import { giveBackLingeringLeases, LEASE_MS, lockDocument, needsLeases } from './document-locks';

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
 * of the same version could both win, and concurrent increments lose all but one — within one process
 * and across processes (two instances of a service). Through an outbox aggregate's model (which
 * declares the lock), neither happens.
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

  it('two processes racing guarded updates of one document: every write that won is kept', async () => {
    await Aggregate.create({ _id: 'p1', version: 1, winners: [], counter: 0 });
    const writer = fileURLToPath(new URL('./document-locks.writer.ts', import.meta.url));
    const run = (name: string) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', writer, store.uri, connection.name, Aggregate.collection.collectionName, 'p1', name, '100']).then(({ stdout }) => JSON.parse(stdout) as { won: number });

    const [a, b] = await Promise.all([run('a'), run('b')]);

    const stored = await Aggregate.findById('p1').lean();
    // Without a guard across processes FerretDB kept about a quarter fewer writes than were reported won.
    expect(stored!.winners).toHaveLength(a.won + b.won);
    expect(stored).toMatchObject({ version: 1 + a.won + b.won, counter: a.won + b.won });
  });
});

describe.each(stores)('on $kind $version: the lease of a document', (store) => {
  let connection: mongoose.Connection;
  beforeAll(async () => {
    connection = await mongoose.createConnection(store.uri, { dbName: `${env.prefix}_leases_${store.kind}` }).asPromise();
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('is taken only where updates are not atomic (FerretDB), and nothing is taken on MongoDB', async () => {
    expect(await needsLeases(connection)).toBe(store.kind === 'ferretdb');
  });

  it.runIf(store.kind === 'ferretdb')('left by a writer that died (kill -9) is taken over once it is older than the lease time', async () => {
    const leases = connection.collection<{ _id: string; owner: string; takenAt: Date }>('document_leases');
    await leases.insertOne({ _id: 'things/dead', owner: 'a killed process', takenAt: new Date(Date.now() - LEASE_MS - 1_000) });

    const release = await lockDocument(connection, 'things', 'dead');

    expect(await leases.findOne({ _id: 'things/dead' })).toMatchObject({ owner: expect.not.stringMatching('a killed process') });
    await release();
    // Given back without holding up the writer: deleted in the background.
    await waitFor(async () => (await leases.findOne({ _id: 'things/dead' })) === null, { what: 'the lease given back' });
  });

  it.runIf(store.kind === 'ferretdb')("kept a moment after a write, is taken as it is by this process's next write, then given back", async () => {
    const leases = connection.collection<{ _id: string; owner: string; takenAt: Date }>('document_leases');
    await (await lockDocument(connection, 'things', 'linger'))();
    const kept = await leases.findOne({ _id: 'things/linger' });
    expect(kept).not.toBeNull();

    // The next write (the relay removing the events just written) finds it and takes no new one.
    const release = await lockDocument(connection, 'things', 'linger');
    expect(await leases.findOne({ _id: 'things/linger' })).toEqual(kept);
    await release();
    await waitFor(async () => (await leases.findOne({ _id: 'things/linger' })) === null, { what: 'the kept lease given back' });

    // A stopping service gives back what it keeps at once.
    await (await lockDocument(connection, 'things', 'stopping'))();
    await giveBackLingeringLeases(connection);
    expect(await leases.findOne({ _id: 'things/stopping' })).toBeNull();
  });

  it.runIf(store.kind === 'ferretdb')('held by another process makes a writer wait until it is given back', async () => {
    const leases = connection.collection<{ _id: string; owner: string; takenAt: Date }>('document_leases');
    await leases.insertOne({ _id: 'things/busy', owner: 'another process', takenAt: new Date() });
    let taken = false;
    const waiting = lockDocument(connection, 'things', 'busy').then((release) => ((taken = true), release));

    // The waiter has had a round trip or two to try: the lease is still the other's, and it is not taken.
    expect(await leases.findOne({ _id: 'things/busy' })).toMatchObject({ owner: 'another process' });
    expect(taken).toBe(false);
    await leases.deleteOne({ _id: 'things/busy', owner: 'another process' });
    const release = await waiting;

    expect(taken).toBe(true);
    await release();
  });
});
