import { beforeAll, expect } from 'vitest';
import { CallPublished, DossierAccepted, DossierSubmitted, type CallSnapshot, type EventData } from '@aap/contracts';
import { eventPublisher, eventually, httpClient, readTopic, type HttpAnswer, type ReadMessage, type Requester, type TestEnvironment } from '@aap/test-harness';
import type { RunningService, StartServiceOptions } from '@aap/service-runtime';
import { DOSSIER, LEGAL_COMMITMENT, publishedCall, submission, submittedDossier } from './award-fixtures';
import { service } from './service';

/** Fixtures of the service's integration tests (imported by tests only). */

/** The whole service started for the test file (its configuration `overrides` given, on `options.clock` when given), with a publisher of the events it consumes. */
export function useFundingAward(env: TestEnvironment, overrides: Parameters<TestEnvironment['startService']>[1] = {}, options: Pick<StartServiceOptions, 'clock'> = {}) {
  let running: RunningService;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  beforeAll(async () => {
    running = await env.startService(service, overrides, options);
    publisher = await eventPublisher(env);
    return () => publisher.disconnect();
  });
  return { api: () => httpClient(running.url), publisher: () => publisher };
}

export const LYON = DOSSIER.organisationId;

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

type Publisher = Awaited<ReturnType<typeof eventPublisher>>;

type AcceptanceOverrides = { call?: CallSnapshot; dossier?: Parameters<typeof submittedDossier>[1]; acceptance?: Partial<EventData<typeof DossierAccepted>> };

/**
 * What an acceptance needs before it can make an award, as the other services publish it: the call
 * (`overrides.call`, else the Pass numérique one; the same version each time: the copy keeps one) and
 * the dossier as submitted, waited for until the service holds both copies (so that the acceptance is
 * not left to the consumer's retries on a loaded machine). Returns the acceptance to publish.
 */
export async function prepareAcceptance(env: TestEnvironment, publisher: Publisher, dossierId: string, overrides: AcceptanceOverrides = {}): Promise<EventData<typeof DossierAccepted>> {
  const call = overrides.call ?? publishedCall();
  await publisher.publish(CallPublished, { call });
  await publisher.publish(DossierSubmitted, submission(submittedDossier(dossierId, { callId: call.callId, ...overrides.dossier })));
  const db = env.database('funding-award');
  await eventually(async () => {
    expect(await db.collection<{ _id: string }>('calls').findOne({ _id: call.callId })).not.toBeNull();
    expect(await db.collection<{ _id: string }>('dossier_copies').findOne({ _id: dossierId })).not.toBeNull();
  });
  return { ...acceptance(dossierId), callId: call.callId, ...overrides.acceptance };
}

/** The call and the dossier (`prepareAcceptance`), then the committee's acceptance: what makes an award. Returns the acceptance event. */
export async function acceptDossier(env: TestEnvironment, publisher: Publisher, dossierId: string, overrides: AcceptanceOverrides = {}) {
  return publisher.publish(DossierAccepted, await prepareAcceptance(env, publisher, dossierId, overrides));
}

export { LEGAL_COMMITMENT, publishedCall, submission, submittedDossier };

/** The body of a 200 answer (the award view), or a failed test showing what came instead. */
export function ok(answer: HttpAnswer): any {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

/** A 422 problem+json naming exactly these rules. */
export function refusedBy(answer: HttpAnswer, ...rules: string[]) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(422);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  expect(answer.body.errors.map((e: { name: string }) => e.name)).toEqual(rules);
}

/** Finance records the award's legal commitment, which every release requires; the award as answered. */
export const recordLegalCommitment = async (finance: Requester, awardId: string, number = LEGAL_COMMITMENT) => ok(await finance.post(`/awards/${awardId}/legal-commitment`, { number }));

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
