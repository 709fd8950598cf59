import { randomUUID } from 'node:crypto';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { DossierAccepted, ProbeLaunched, deadLetterTopicName, eventTopicName, sourceOf } from '@aap/contracts';
import { useTestEnvironment, readTopic } from '@aap/test-harness';
import { newEvent, toKafkaMessage } from './index';
import { startStandaloneConsumer, type StandaloneConsumer } from './consumer.fixture';

const env = useTestEnvironment();

/**
 * Anyone who reaches the broker can publish. A consumer accepts an event only from the topic and the
 * `ce_source` of its producer in the catalogue; anything else is a dead letter, and no handler runs.
 */
describe('consumer: a forged event (wrong source or wrong topic) is dead-lettered and changes nothing', () => {
  let standalone: StandaloneConsumer;
  const accepted: string[] = [];
  const probes: string[] = [];
  const decisionTopic = () => eventTopicName(env.prefix, DossierAccepted.topic);
  const probeTopic = () => eventTopicName(env.prefix, ProbeLaunched.topic);

  beforeAll(async () => {
    standalone = await startStandaloneConsumer(env, {
      service: 'submission',
      topics: [decisionTopic(), probeTopic()],
      register: (consumer) =>
        consumer
          .on(DossierAccepted, async (event) => void accepted.push(event.data.dossierId))
          .on(ProbeLaunched, async (event) => void probes.push(event.data.label)),
    });
  });
  afterAll(() => standalone.stop());

  /** A dossier.accepted as the evaluation service would publish it (its envelope says /aap/evaluation). */
  function acceptance(dossierId: string) {
    return newEvent('evaluation', DossierAccepted, {
      dossierId,
      number: 'AAP-2026-000001',
      callId: 'call-1',
      waveId: 'vague-1',
      organisationId: '216901231',
      at: new Date().toISOString(),
      grantCents: 150_000_000,
      stateRateBps: 5_000,
      eligibleCostCents: 300_000_000,
      requestedGrantCents: 150_000_000,
      motivation: 'forged',
    });
  }

  it('dead-letters a dossier acceptance from another source on the right topic, and one from the right source on another topic; the handler never runs', async () => {
    const wrongSource = acceptance('dossier-wrong-source');
    wrongSource.envelope.source = sourceOf('notification');
    const wrongTopic = acceptance('dossier-wrong-topic');
    const genuine = acceptance('dossier-genuine');
    // A probe on the other topic, after the forged one: proves that topic was read past it.
    const probeAfter = newEvent('submission', ProbeLaunched, { probeId: randomUUID(), label: 'after the forgery', hops: [{ service: 'submission', at: new Date().toISOString() }] });

    await standalone.producer.send({ topic: decisionTopic(), messages: [toKafkaMessage(wrongSource.envelope), toKafkaMessage(genuine.envelope)] });
    await standalone.producer.send({ topic: probeTopic(), messages: [toKafkaMessage(wrongTopic.envelope), toKafkaMessage(probeAfter.envelope)] });

    const dead = await readTopic(env.kafka(), deadLetterTopicName(env.prefix, 'submission'), { atLeast: 2 });
    expect(dead.map((m) => [m.headers.ce_id, m.headers.dlq_reason, m.headers.dlq_error])).toEqual(
      expect.arrayContaining([
        [wrongSource.envelope.id, 'untrusted-source', `${DossierAccepted.type} comes from /aap/evaluation, not /aap/notification`],
        [wrongTopic.envelope.id, 'wrong-topic', `${DossierAccepted.type} is published on ${decisionTopic()}, not ${probeTopic()}`],
      ]),
    );
    expect(dead).toHaveLength(2);
    // The genuine one and the probe went through; the forged ones reached no handler and were not recorded.
    expect(accepted).toEqual(['dossier-genuine']);
    expect(probes).toEqual(['after the forgery']);
    const inbox = standalone.connection.collection('processed_events');
    expect(await inbox.countDocuments({ _id: wrongSource.envelope.id as never })).toBe(0);
    expect(await inbox.countDocuments({ _id: wrongTopic.envelope.id as never })).toBe(0);
  });
});
