import { afterAll, describe, expect, it, beforeAll } from 'vitest';
import { ProbeLaunched, ProbeReachedEvaluation, consumerGroupId, eventTopicName } from '@aap/contracts';
import { authHeaders, useTestEnvironment, readTopic, startServiceProcess, waitFor, type ReadMessage } from '@aap/test-harness';
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

  /** Once a group's committed offset is past `message`, that group has read it (and everything before it on its partition). */
  async function committedPast(service: 'evaluation' | 'notification', message: ReadMessage) {
    await waitFor(
      async () => {
        const admin = env.kafka().admin();
        await admin.connect();
        const offsets = await admin.fetchOffsets({ groupId: consumerGroupId(env.prefix, service), topics: [launchedTopic()] }).finally(() => admin.disconnect());
        const committed = offsets[0]!.partitions.find((p) => p.partition === message.partition)!;
        return Number(committed.offset) > Number(message.offset);
      },
      { deadlineMs: 30_000, what: `${service}'s committed offset past ${message.partition}/${message.offset}` },
    );
  }

  /** The counting consumer and the evaluation service both read past `last`: what they did with the probe's event is all done. */
  async function consumersPast(probeId: string, last: ReadMessage) {
    await committedPast('notification', last);
    await committedPast('evaluation', last);
    // The evaluation service relays through its outbox: once it is empty, every event it relays for the probe is on the topic.
    await waitFor(() => env.database('evaluation').collection('journey_probes').findOne({ _id: probeId as never, outboxPending: false }), {
      what: "evaluation's probe relayed",
    });
  }

  /** What the consumers made of the probe's event: the counter, the evaluation records, the events it relayed. */
  async function appliedBy(probeId: string, eventId: string) {
    return {
      counted: (await env.database('notification').collection('probe_counters').findOne({ _id: probeId as never }))?.applied,
      evaluationRecords: await env.database('evaluation').collection('journey_probes').countDocuments({ _id: probeId as never }),
      evaluationInbox: await env.database('evaluation').collection('processed_events').countDocuments({ _id: eventId as never }),
      relayed: (await readTopic(env.kafka(), relayedTopic(), { atLeast: 1 })).filter((m) => m.key === probeId).length,
    };
  }

  it('killed after the state write, before the Kafka send: published once after restart, handled once', async () => {
    const probeId = await launchProbeThenCrash('outbox.before-publish', 'crash before publish');

    // The state change is durable and its event is still pending; nothing reached Kafka (and its publisher is dead).
    const pending = await env.database('submission').collection('journey_probes').findOne({ _id: probeId as never });
    expect(pending).toMatchObject({ outboxPending: true });
    expect((await readTopic(env.kafka(), launchedTopic(), { atLeast: 0 })).filter((m) => m.key === probeId)).toHaveLength(0);

    const restarted = await startServiceProcess('submission', env.envFor('submission'));
    try {
      await waitFor(() => env.database('submission').collection('journey_probes').findOne({ _id: probeId as never, outboxPending: false }), {
        what: 'the pending event published after the restart',
      });
    } finally {
      await restarted.stop();
    }

    const launched = (await readTopic(env.kafka(), launchedTopic(), { atLeast: 1 })).filter((m) => m.key === probeId);
    expect(launched).toHaveLength(1);
    await consumersPast(probeId, launched[0]!);
    expect(await appliedBy(probeId, launched[0]!.headers.ce_id!)).toEqual({ counted: 1, evaluationRecords: 1, evaluationInbox: 1, relayed: 1 });
  });

  it('killed after the Kafka send, before marking it sent: re-sent after restart (on the topic twice), applied once by the service and by a handler that only increments a counter', async () => {
    const probeId = await launchProbeThenCrash('outbox.after-publish', 'crash after publish');
    const restarted = await startServiceProcess('submission', env.envFor('submission'));
    try {
      await waitFor(() => env.database('submission').collection('journey_probes').findOne({ _id: probeId as never, outboxPending: false }), {
        what: 'the event marked sent after the restart',
      });
    } finally {
      await restarted.stop();
    }
    // The same event (same ce_id) is on the topic twice: at-least-once delivery did happen…
    const launched = (await readTopic(env.kafka(), launchedTopic(), { atLeast: 1 })).filter((m) => m.key === probeId);
    expect(launched).toHaveLength(2);
    expect(launched[0]!.headers.ce_id).toBe(launched[1]!.headers.ce_id);

    // …both copies were consumed (the groups' committed offsets are past the second)…
    await consumersPast(probeId, launched[1]!);
    // …and applied once: the $inc ran once, one evaluation record and inbox entry, one event relayed on.
    expect(await appliedBy(probeId, launched[0]!.headers.ce_id!)).toEqual({ counted: 1, evaluationRecords: 1, evaluationInbox: 1, relayed: 1 });
  });
});
