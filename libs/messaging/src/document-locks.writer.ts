/**
 * A writer process of document-locks.int.test.ts: `attempts` times, reads the document and writes it
 * back guarded on the version it read (as the command handler does), through a model that declares the
 * document lock; prints how many of its writes won. Two of these race on one document.
 */
import mongoose, { Schema } from 'mongoose';
import { outboxPlugin } from './outbox';

const [uri, dbName, collection, id, name, attempts] = process.argv.slice(2) as [string, string, string, string, string, string];
const connection = await mongoose.createConnection(uri, { dbName }).asPromise();
const schema = new Schema({ _id: String, version: Number, winners: [String], counter: Number }, { versionKey: false, collection });
schema.plugin(outboxPlugin);
const Aggregate = connection.model('RacedAggregate', schema);

let won = 0;
for (let i = 0; i < Number(attempts); i++) {
  const read = await Aggregate.findById(id).lean<{ version: number }>();
  const result = await Aggregate.updateOne({ _id: id, version: read!.version }, { $inc: { version: 1, counter: 1 }, $push: { winners: `${name}-${i}` } });
  if (result.matchedCount === 1) won++;
}
process.stdout.write(JSON.stringify({ won }) + '\n');
await connection.close();
