/**
 * A consumer run as a child process by consumer-batches.int.test.ts, so that AAP_CRASH_AT can kill
 * it with SIGKILL: notification's settings from the environment (as `envFor` gives them), one batch
 * handler of probe.launched that is NOT idempotent by itself (each run adds 1 to its probe's counter).
 */
import mongoose from 'mongoose';
import { eventTopicName, ProbeLaunched } from '@aap/contracts';
import { serviceEnvSchema } from '@aap/config';
import { startConsumerWith } from './consumer.fixture';

const config = serviceEnvSchema('notification').parse(process.env);
const counters = (await mongoose.createConnection(config.MONGODB_URI, { dbName: config.MONGODB_DB }).asPromise()).collection('probe_counters');
const running = await startConsumerWith(config, {
  service: 'notification',
  topics: [eventTopicName(config.KAFKA_TOPIC_PREFIX, ProbeLaunched.topic)],
  partitions: 1,
  register: (consumer) =>
    consumer.onBatch([ProbeLaunched], async (events) => {
      for (const event of events) {
        await counters.updateOne({ _id: (event.data as { probeId: string }).probeId as never }, { $inc: { applied: 1 } }, { upsert: true });
      }
    }),
});
console.log('crash-test consumer running');
process.once('SIGTERM', () => void running.stop().then(() => process.exit(0)));
