import { afterAll, describe, expect, it, beforeAll } from 'vitest';
import { ProbeLaunched, ProbeReachedEvaluation, consumerGroupId, eventTopicName } from '@aap/contracts';
import { authHeaders, useTestEnvironment, eventually, readTopic, startServiceProcess } from '@aap/test-harness';
import { service as evaluation } from '@aap/evaluation-service';
import { startStandaloneConsumer, type StandaloneConsumer } from './consumer.fixture';

const env = useTestEnvironment();

/**
 * The publishing process is the real submission service run as a child process. AAP_CRASH_AT makes
 * it SIGKILL itself at a chosen point of the outbox relay; it is then restarted without it.
 * The consumer's effect is the evaluation service's probe record and the event it relays on.
 */
describe('outbox: a publisher killed mid-flight loses nothing and duplicates no effect', () => {
  const launchedTopic = () => eventTopicName(env.prefix, ProbeLaunched.topic);
  const relayedTopic = () => eventTopicName(env.prefix, ProbeReachedEvaluation.topic);

  /** A consumer whose handler is NOT idempotent by itself: every run adds 1 to the probe's counter. */
  let counting: StandaloneConsumer;

  beforeAll(async () => {
    await env.startService(evaluation);
    counting = await startStandaloneConsumer(env, {
      service: 'notification',
      topics: [launchedTopic()],
      register: (consumer) =>
        consumer.on(ProbeLaunched, async (event) => {
          await counting.connection.collection('probe_counters').updateOne({ _id: event.data.probeId as never }, { $inc: { applied: 1 } }, { upsert: true });
        }),
    });
  });

  afterAll(async () => {
    await counting?.stop();
  });

  async function launchProbeThenCrash(crashAt: string, label: string): Promise<string> {
    const publisher = await startServiceProcess('submission', env.envFor('submission', { AAP_CRASH_AT: crashAt }));
    // The response may or may not arrive: the process can die as soon as the state is written.
    await fetch(`${publisher.url}/diagnostics/probes`, {
      method: 'POST',
      headers: await authHeaders({ roles: ['admin'] }),
      body: JSON.stringify({ label }),
    }).catch(() => undefined);
    expect(await publisher.exited).toBe('SIGKILL');
    const stored = await env.database('submission').collection('journey_probes').findOne({ label });
    expect(stored).not.toBeNull();
    return String(stored!._id);
  }

  it('killed after the state write, before the Kafka send: published once after restart, handled once', async () => {
    const probeId = await launchProbeThenCrash('outbox.before-publish', 'crash before publish');

    // The state change is durable and its event is still pending; nothing reached Kafka.
    const pending = await env.database('submission').collection('journey_probes').findOne({ _id: probeId as never });
    expect(pending).toMatchObject({ outboxPending: true });
    expect(await readTopic(env.kafka(), launchedTopic(), { atLeast: 1, timeoutMs: 1_500, settleMs: 0 })).toHaveLength(0);

    const restarted = await startServiceProcess('submission', env.envFor('submission'));
    try {
      await eventually(async () =>
        expect(await env.database('evaluation').collection('journey_probes').findOne({ _id: probeId as never })).not.toBeNull(),
      );
      await eventually(async () =>
        expect(await env.database('submission').collection('journey_probes').findOne({ _id: probeId as never })).toMatchObject({ outboxPending: false }),
      );
    } finally {
      await restarted.stop();
    }

    const launched = (await readTopic(env.kafka(), launchedTopic(), { atLeast: 1 })).filter((m) => m.key === probeId);
    expect(launched).toHaveLength(1);
    expect(await env.database('evaluation').collection('journey_probes').countDocuments({ _id: probeId as never })).toBe(1);
    expect(await env.database('evaluation').collection('processed_events').countDocuments({ _id: launched[0]!.headers.ce_id as never })).toBe(1);
    const relayed = (await readTopic(env.kafka(), relayedTopic(), { atLeast: 1 })).filter((m) => m.key === probeId);
    expect(relayed).toHaveLength(1);
  });

  /** Crashes the publisher after its Kafka send, restarts it until the event is marked sent: the event is on the topic twice. */
  async function publishTwiceThroughACrash(label: string, messagesOnTopic: number) {
    const probeId = await launchProbeThenCrash('outbox.after-publish', label);
    const restarted = await startServiceProcess('submission', env.envFor('submission'));
    try {
      await eventually(async () =>
        expect(await env.database('submission').collection('journey_probes').findOne({ _id: probeId as never })).toMatchObject({ outboxPending: false }),
      );
    } finally {
      await restarted.stop();
    }
    // The same event (same ce_id) is on the topic twice: at-least-once delivery did happen…
    const launched = (await readTopic(env.kafka(), launchedTopic(), { atLeast: messagesOnTopic })).filter((m) => m.key === probeId);
    expect(launched).toHaveLength(2);
    expect(launched[0]!.headers.ce_id).toBe(launched[1]!.headers.ce_id);
    return { probeId, launched };
  }

  it('killed after the Kafka send, before marking it sent: re-sent after restart, still handled once', async () => {
    const { probeId, launched } = await publishTwiceThroughACrash('crash after publish', 3);

    // …and the consumer applied it exactly once: one record, one inbox entry, one event relayed on.
    await eventually(async () =>
      expect(await env.database('evaluation').collection('processed_events').countDocuments({ _id: launched[0]!.headers.ce_id as never })).toBe(1),
    );
    expect(await env.database('evaluation').collection('journey_probes').countDocuments({ _id: probeId as never })).toBe(1);
    const relayed = (await readTopic(env.kafka(), relayedTopic(), { atLeast: 2 })).filter((m) => m.key === probeId);
    expect(relayed).toHaveLength(1);
  });

  it('killed after the Kafka send, before marking it sent: a consumer whose handler only increments a counter applies the re-sent event once', async () => {
    const { probeId, launched } = await publishTwiceThroughACrash('crash after publish, counted', 5);

    // Both copies were consumed (the consumer's committed offset is past them)…
    const notification = env.database('notification');
    await eventually(async () => expect(await notification.collection('processed_events').countDocuments({ _id: launched[0]!.headers.ce_id as never })).toBe(1));
    await eventually(async () => {
      const admin = env.kafka().admin();
      await admin.connect();
      const offsets = await admin.fetchOffsets({ groupId: consumerGroupId(env.prefix, 'notification'), topics: [launchedTopic()] }).finally(() => admin.disconnect());
      const committed = offsets[0]!.partitions.find((p) => p.partition === launched[1]!.partition)!;
      expect(Number(committed.offset)).toBeGreaterThan(Number(launched[1]!.offset));
    });
    // …and the $inc ran once: the second copy was recognised by its id in processed_events and skipped.
    expect(await notification.collection('probe_counters').findOne({ _id: probeId as never })).toMatchObject({ applied: 1 });
  });
});
