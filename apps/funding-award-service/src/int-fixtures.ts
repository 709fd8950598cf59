import { randomUUID } from 'node:crypto';
import { beforeAll, expect } from 'vitest';
import { CallPublished, DossierAccepted, DossierSubmitted, type CallSnapshot, type EventData } from '@aap/contracts';
import { eventPublisher, eventually, httpClient, readTopic, type HttpAnswer, type HttpClient, type ReadMessage, type Requester, type TestEnvironment } from '@aap/test-harness';
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

export const IBAN = 'FR76 3000 6000 0112 3456 7890 189';
export const bankDetails = (iban: string) => ({ iban, bic: 'BNPAFRPPXXX', holder: 'Commune de Lyon' });

/**
 * The callers of the service's tests — the commune of Lyon's applicant, finance officers by number —
 * and the award taken to where a test starts, through the routes as users do: one way to get there.
 */
export function awardActors(env: TestEnvironment, api: () => HttpClient, publisher: () => Publisher) {
  const beneficiary = () => api().as('applicant', { org: LYON, sub: 'applicant-1' });
  const finance = (n: number) => api().as('finance', { sub: `finance-${n}` });

  /** A new award (its dossier accepted), as the service made it from dossier.accepted. */
  async function grantedAward(overrides: AcceptanceOverrides = {}): Promise<string> {
    const awardId = randomUUID();
    await acceptDossier(env, publisher(), awardId, overrides);
    await eventually(async () => expect((await finance(1).get(`/awards/${awardId}`)).status).toBe(200));
    return awardId;
  }

  /** Started, its bank details validated by finance-1 and (unless told) its legal commitment recorded: ready to ask for tranches and be paid. */
  async function readyAward(options: AcceptanceOverrides & { legalCommitment?: boolean } = {}): Promise<{ awardId: string; bankDetailsId: string }> {
    const awardId = await grantedAward(options);
    ok(await beneficiary().post(`/awards/${awardId}/execution-start`, { startedOn: '2026-12-01' }));
    const bankDetailsId = ok(await beneficiary().post(`/awards/${awardId}/bank-details`, bankDetails(IBAN))).pendingBankDetails.bankDetailsId as string;
    ok(await finance(1).post(`/awards/${awardId}/bank-details/${bankDetailsId}/validate`));
    if (options.legalCommitment !== false) await recordLegalCommitment(finance(1), awardId);
    return { awardId, bankDetailsId };
  }

  /** A ready award with its whole advance asked and validated by finance-1: only the release is left. */
  async function validatedAdvance(options: Parameters<typeof readyAward>[0] = {}): Promise<{ awardId: string; trancheId: string }> {
    const { awardId } = await readyAward(options);
    const trancheId = ok(await beneficiary().post(`/awards/${awardId}/tranches/advance`, {})).tranches[0].trancheId as string;
    ok(await finance(1).post(`/awards/${awardId}/tranches/${trancheId}/validate`, {}));
    return { awardId, trancheId };
  }

  /** The tranche validated by finance-1 (unless it is already), released and paid by finance-2: the award as answered. */
  async function pay(awardId: string, trancheId: string, payment: { paymentReference?: string; paidOn?: string; retainedExpensesCents?: number; validated?: boolean } = {}) {
    if (!payment.validated) {
      ok(await finance(1).post(`/awards/${awardId}/tranches/${trancheId}/validate`, payment.retainedExpensesCents === undefined ? {} : { retainedExpensesCents: payment.retainedExpensesCents }));
    }
    ok(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/release`));
    return ok(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/payment`, { paymentReference: payment.paymentReference ?? `CHORUS-${trancheId}`, paidOn: payment.paidOn ?? '2026-12-05' }));
  }

  return { beneficiary, finance, grantedAward, readyAward, validatedAdvance, pay };
}

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
