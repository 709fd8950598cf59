/**
 * The bare baseline of the backlog figure: a kafkajs consumer group reading a topic from the
 * beginning and doing one insert per message into the same database server. Its progress is read
 * by the bench from the group's committed offsets, as the product's.
 *
 * Environment: KAFKA_BROKERS, BASELINE_TOPIC, BASELINE_GROUP, MONGODB_URI, MONGODB_DB.
 */
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { z } from 'zod';

const env = z
  .object({
    KAFKA_BROKERS: z.string().min(1),
    BASELINE_TOPIC: z.string().min(1),
    BASELINE_GROUP: z.string().min(1),
    MONGODB_URI: z.string().min(1),
    MONGODB_DB: z.string().min(1),
  })
  .parse(process.env);

const client = await new mongoose.mongo.MongoClient(env.MONGODB_URI).connect();
const handled = client.db(env.MONGODB_DB).collection<{ _id: string }>('handled');
const kafka = new Kafka({ clientId: 'bench-baseline-consumer', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: env.BASELINE_GROUP, sessionTimeout: 15_000, heartbeatInterval: 1_000 });
await consumer.connect();
await consumer.subscribe({ topic: env.BASELINE_TOPIC, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ topic, partition, message }) => {
    const id = message.headers?.ce_id?.toString() ?? `${topic}:${partition}:${message.offset}`;
    await handled.insertOne({ _id: id, type: message.headers?.ce_type?.toString(), receivedAt: new Date() } as never).catch((error) => {
      if ((error as { code?: number }).code !== 11000) throw error;
    });
  },
});
console.log('baseline consumer running');

const shutdown = async () => {
  await consumer.disconnect();
  await client.close();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
