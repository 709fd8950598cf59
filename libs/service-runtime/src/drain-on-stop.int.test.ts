import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProbeLaunched, consumerGroupId, eventTopicName } from '@aap/contracts';
import { eventPublisher, httpClient, useTestEnvironment, waitFor } from '@aap/test-harness';
import type { ServiceModule } from './service';

const env = useTestEnvironment();

/** A promise the test resolves when it chooses. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * What a graceful stop (SIGTERM: main.ts calls the same stop) does with the work in progress that is
 * not an HTTP request: the consumer's message and the scheduler's tick run to their end, and what
 * they did is recorded, before the stop closes Kafka and the database. The work is held open by the
 * test until the stop has begun.
 */
describe('a graceful stop drains the consumer and the scheduler', () => {
  it('the message being handled and the tick being run finish, the message is recorded as handled and committed, then the stop completes', { timeout: 90_000 }, async () => {
    const handler = gate();
    const job = gate();
    const started = { handler: false, job: false };
    const drained: ServiceModule = {
      name: 'evaluation',
      description: 'drain on stop test',
      register({ consumer, schedule, db }) {
        consumer.on(ProbeLaunched, async (event) => {
          started.handler = true;
          await handler.opened;
          await db.collection('drained_work').insertOne({ _id: `message ${event.id}` } as never);
        });
        let ticks = 0;
        schedule('held tick', async () => {
          if (++ticks > 1) return;
          started.job = true;
          await job.opened;
          await db.collection('drained_work').insertOne({ _id: 'tick 1' } as never);
        });
      },
    };
    const service = await env.startService(drained);
    const publisher = await eventPublisher(env);
    const probeId = randomUUID();
    const event = await publisher.publish(ProbeLaunched, { probeId, label: 'handled during the stop', hops: [{ service: 'submission', at: new Date().toISOString() }] });
    await publisher.disconnect();
    await waitFor(() => started.handler && started.job, { deadlineMs: 60_000, what: 'the handler and the scheduled job both under way' });

    let stopped = false;
    const stopping = service.stop().then(() => void (stopped = true));
    // The stop has begun (readiness 503, or the HTTP server already closed: no request was in flight), while both are still held.
    const stopBegun = async () => {
      try {
        return (await httpClient(service.url).anonymous().get('/health/ready')).status === 503;
      } catch {
        return true;
      }
    };
    await waitFor(stopBegun, { what: 'the stop under way (readiness 503 or HTTP closed)' });
    expect(stopped).toBe(false);

    handler.open();
    job.open();
    await stopping;

    // Their writes went through (the database was still open), and the message was recorded and committed before Kafka closed.
    const database = env.database('evaluation');
    expect(await database.collection('drained_work').find().sort({ _id: 1 }).toArray()).toEqual([{ _id: `message ${event.id}` }, { _id: 'tick 1' }]);
    expect(await database.collection('processed_events').countDocuments({ _id: event.id as never })).toBe(1);
    const admin = env.kafka().admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: consumerGroupId(env.prefix, 'evaluation'), topics: [eventTopicName(env.prefix, ProbeLaunched.topic)] });
      const committed = offsets!.partitions.reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
      expect(committed).toBe(1);
    } finally {
      await admin.disconnect();
    }
  });
});
