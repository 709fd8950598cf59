import mongoose from 'mongoose';
const uri = 'mongodb://127.0.0.1:27017/';
const a = await mongoose.createConnection(uri, { dbName: 'stale_probe3' }).asPromise();
const b = await mongoose.createConnection(uri, { dbName: 'stale_probe3' }).asPromise();
const col = a.collection('docs'); const colB = b.collection('docs');
await col.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: `d${i}`, status: 'v0', n: i, outboxPending: 0, tags: ['x'] })));
await a.collection('counters').insertOne({ _id: 'c', v: 0 });
const ops = {
  findOne: () => col.findOne({ _id: 'd1' }),
  findFilter: () => col.find({ status: { $ne: 'zz' } }).limit(5).toArray(),
  findLimit100: () => col.find({ outboxPending: { $gt: 0 } }, { projection: { outbox: 1 } }).limit(100).toArray(),
  count: () => col.countDocuments({ status: { $ne: 'zz' } }),
  distinct: () => col.distinct('status', { n: { $gte: 0 } }),
  fOAU: () => a.collection('counters').findOneAndUpdate({ _id: 'c' }, { $inc: { v: 1 } }, { upsert: true, returnDocument: 'after' }),
  exists: () => col.findOne({ _id: 'd2' }, { projection: { _id: 1 } }),
  updateNe: () => col.updateOne({ _id: 'd3', tags: { $ne: 'y' } }, { $set: { z: 1 } }),
  updateFilter: () => col.updateOne({ n: { $gte: 5 } }, { $inc: { k: 1 } }),
  dupInsert: () => col.insertOne({ _id: 'd4' }).catch(() => undefined),
  dupUpsertRace: () => a.collection('race').findOneAndUpdate({ _id: `r${Math.random() < 2 ? 'x' + Date.now() : ''}` }, { $inc: { v: 1 } }, { upsert: true }).catch(() => undefined),
  cancelled: async () => { const c = await mongoose.createConnection(uri, { dbName: 'stale_probe3' }).asPromise(); const p = c.collection('docs').find({ n: { $gte: 0 } }).toArray().catch(() => undefined); setTimeout(() => c.close(true), 1); await p; },
  maxTime: () => col.find({ n: { $gte: 0 } }).maxTimeMS(1).toArray().catch(() => undefined),
  cursorPartial: async () => { const c = col.find({}).batchSize(2); await c.next(); await c.close(); },
};
for (const [name, op] of Object.entries(ops)) {
  let staleFound = false;
  for (let round = 0; round < 5 && !staleFound; round++) {
    await Promise.all(Array.from({ length: 10 }, () => op()));
    const value = `${name}-${round}`;
    await colB.updateOne({ _id: 'd0' }, { $set: { status: value } });
    const seen = await Promise.all(Array.from({ length: 20 }, () => col.findOne({ _id: 'd0' }).then((d) => d.status)));
    const stale = seen.filter((s) => s !== value);
    if (stale.length) { console.log('STALE after', name, 'round', round, stale.length, stale.slice(0, 3)); staleFound = true; }
  }
}
console.log('done');
await a.dropDatabase(); await a.close(); await b.close();
