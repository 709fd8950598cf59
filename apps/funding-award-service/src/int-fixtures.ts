import { beforeAll, expect } from 'vitest';
import { DossierAccepted, type EventData } from '@aap/contracts';
import { eventPublisher, eventually, httpClient, readTopic, type ReadMessage, type TestEnvironment } from '@aap/test-harness';
import type { RunningService, StartServiceOptions } from '@aap/service-runtime';
import { service } from './service';

/** Fixtures of the service's integration tests (imported by tests only). */

/** The whole service started for the test file (on `options.clock` when given), with a publisher of the events it consumes. */
export function useFundingAward(env: TestEnvironment, options: Pick<StartServiceOptions, 'clock'> = {}) {
  let running: RunningService;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  beforeAll(async () => {
    running = await env.startService(service, {}, options);
    publisher = await eventPublisher(env);
    return () => publisher.disconnect();
  });
  return { api: () => httpClient(running.url), publisher: () => publisher };
}

export const LYON = '216901231';

/** The committee approved 20 000 € on an eligible cost of 40 000 € (as the evaluation service publishes it). */
export const acceptance = (dossierId: string): EventData<typeof DossierAccepted> => ({
  dossierId,
  number: 'AAP-2027-000042',
  callId: 'call-pass-numerique',
  waveId: 'vague-1',
  organisationId: LYON,
  at: '2026-11-20T09:00:00.000Z',
  grantCents: 2_000_000,
  stateRateBps: 5_000,
  eligibleCostCents: 4_000_000,
  requestedGrantCents: 2_000_000,
  motivation: 'Projet structurant',
});

const awards = (env: TestEnvironment) => env.database('funding-award').collection<{ _id: string; version: number; outboxPending?: boolean }>('awards');

/** The award's document once its outbox is published (nothing left to send). */
export function settledAward(env: TestEnvironment, awardId: string) {
  return eventually(async () => {
    const doc = await awards(env).findOne({ _id: awardId });
    expect(doc).toMatchObject({ outboxPending: false });
    return doc!;
  });
}

/**
 * Every message on the topic up to its current end (the high watermark of each partition, read
 * first), so a count is complete without waiting for "nothing more".
 */
export async function wholeTopic(env: TestEnvironment, topic: string): Promise<ReadMessage[]> {
  const admin = env.kafka().admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const total = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const messages = await readTopic(env.kafka(), topic, { atLeast: total, settleMs: 0 });
  expect(messages.length).toBeGreaterThanOrEqual(total);
  return messages;
}
