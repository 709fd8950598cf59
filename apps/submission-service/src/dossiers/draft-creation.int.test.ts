import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, httpClient, useTestEnvironment, type Requester } from '@aap/test-harness';
import type { RunningService } from '@aap/service-runtime';
import { service } from '../service';
import { CALL_COPY_FRESH_MS } from '../calls';
import { createPublishedCall, passNumeriqueCallRules } from '../calls/testing';

/**
 * Creating a draft is one insert (the call and the organisation come from the instance's local copies,
 * the Idempotency-Key is the `_id`): on the real broker and database, with two instances of the
 * service sharing them, as in production.
 */
const env = useTestEnvironment();

const LYON = '216901231';
const VILLEURBANNE = '216902668';
const AJACCIO = '212000046';

let first: RunningService;
let second: RunningService;
const dossiers = () => env.database('submission').collection('dossiers');
const as = (instance: RunningService, org: string): Requester => httpClient(instance.url).as('applicant', { org, sub: `agent-${org}` });
const managerOn = (instance: RunningService) => httpClient(instance.url).as('programme-manager');

async function register(on: RunningService, org: string) {
  const registered = await as(on, org).post('/organisations', { kind: 'commune', siren: org, contacts: [{ name: 'Service numérique', email: `numerique-${org}@example.fr` }] });
  expect(registered.status).toBe(201);
}

beforeAll(async () => {
  first = await env.startService(service);
  second = await env.startService(service);
  await Promise.all([register(first, LYON), register(first, VILLEURBANNE)]);
});

describe('creating a draft', () => {
  it('ten concurrent requests with one Idempotency-Key, on two instances, make one dossier: one 201, the others 200 with it', async () => {
    const call = await createPublishedCall(first.url);
    const waveId = call.waves[0]!.waveId;
    const headers = { 'idempotency-key': 'start-lyon-concurrent' };
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => as(i % 2 ? second : first, LYON).post('/dossiers', { callId: call.callId, waveId }, { headers })));

    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.dossierId)).size).toBe(1);
    expect(await dossiers().countDocuments({ organisationId: LYON, callId: call.callId })).toBe(1);
    expect((await dossiers().findOne({ _id: answers[0]!.body.dossierId }))!.history).toHaveLength(1);
  });

  it('the same Idempotency-Key for another wave is refused (422 naming it); after the call is unpublished, a retry still answers the draft it made', async () => {
    const rules = passNumeriqueCallRules();
    const [wave] = rules.waves;
    const later = { waveId: 'vague-bis', label: 'Vague bis', opensAt: wave!.closesAt, closesAt: new Date(Date.parse(wave!.closesAt) + 30 * 86_400_000).toISOString() };
    const call = await createPublishedCall(first.url, { ...rules, waves: [wave!, later] });
    const headers = { 'idempotency-key': 'start-lyon-once' };
    const made = await as(first, LYON).post('/dossiers', { callId: call.callId, waveId: call.waves[0]!.waveId }, { headers });
    expect(made.status).toBe(201);

    const otherWave = await as(second, LYON).post('/dossiers', { callId: call.callId, waveId: 'vague-bis' }, { headers });
    expect(otherWave.status).toBe(422);
    expect(otherWave.body.errors.map((e: { name: string }) => e.name)).toEqual(['idempotency-key']);

    expect((await managerOn(first).post(`/calls/${call.callId}/unpublish`, { reason: 'erreur de paramétrage' })).status).toBe(200);
    const retried = await as(first, LYON).post('/dossiers', { callId: call.callId, waveId: call.waves[0]!.waveId }, { headers });
    expect(retried.status).toBe(200);
    expect(retried.body.dossierId).toBe(made.body.dossierId);
  });

  it(`a call unpublished on one instance: refused by that instance's next create at once, by the other's within ${CALL_COPY_FRESH_MS} ms`, async () => {
    const call = await createPublishedCall(first.url);
    const body = { callId: call.callId, waveId: call.waves[0]!.waveId };
    // Both instances hold a copy of the published call.
    expect((await as(first, VILLEURBANNE).post('/dossiers', body)).status).toBe(201);
    expect((await as(second, VILLEURBANNE).post('/dossiers', body)).status).toBe(201);

    expect((await managerOn(first).post(`/calls/${call.callId}/unpublish`, { reason: 'erreur de paramétrage' })).status).toBe(200);
    const here = await as(first, VILLEURBANNE).post('/dossiers', body);
    expect(here.status).toBe(422);
    expect(here.body.errors.map((e: { name: string }) => e.name)).toEqual(['callId']);

    // The other instance: its copy is read again at most CALL_COPY_FRESH_MS after it was read; polled until then (and a little more on a loaded machine).
    const there = await eventually(
      async () => {
        const answer = await as(second, VILLEURBANNE).post('/dossiers', body);
        expect(answer.status).toBe(422);
        return answer;
      },
      { timeoutMs: CALL_COPY_FRESH_MS + 5_000, intervalMs: 50 },
    );
    expect(there.body.errors.map((e: { name: string }) => e.name)).toEqual(['callId']);
  });

  it('an organisation registered on one instance creates a draft on the other at once (a missing organisation is never kept)', async () => {
    const call = await createPublishedCall(first.url);
    const body = { callId: call.callId, waveId: call.waves[0]!.waveId };
    const refused = await as(second, AJACCIO).post('/dossiers', body);
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: { name: string }) => e.name)).toEqual(['applicant-registered']);
    await register(first, AJACCIO);
    expect((await as(second, AJACCIO).post('/dossiers', body)).status).toBe(201);
  });
});
