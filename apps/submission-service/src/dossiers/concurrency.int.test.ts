import { beforeAll, describe, expect, it } from 'vitest';
import { DossierSubmitted, eventTopicName } from '@aap/contracts';
import { eventually, httpClient, useTestEnvironment, type Requester } from '@aap/test-harness';
import type { RunningService } from '@aap/service-runtime';
import { service } from '../service';
import { createPublishedCall, passNumeriqueCallRules } from '../calls/testing';
import { contentHash } from './content-hash';
import { readTopicToEnd } from '../testing';

/**
 * Issue 7 §2.6 on the real broker and database (FerretDB applies an update as find-then-replace):
 * receipt numbers stay unique, the per-wave rule holds, attachments never slip in after a submit,
 * and a retried draft save answers as a success.
 */
const env = useTestEnvironment();

const LYON = '216901231';
const VILLEURBANNE = '216902668';
const AJACCIO = '212000046';

let submission: RunningService;
let lyon: Requester;
let villeurbanne: Requester;
let ajaccio: Requester;

const project = { title: 'Pass numérique', summary: 'Des pass', description: 'Distribution par les CCAS', startDate: '2026-06-01', endDate: '2027-05-31' };
const budget = { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'Ville', amountCents: 2_000_000 }] };
/** A call whose submissions need no document (the tests here are about concurrency, not uploads). */
const noDocumentCall = (overrides = {}) => createPublishedCall(submission.url, passNumeriqueCallRules({ requiredDocuments: [], ...overrides }));
const dossiers = () => env.database('submission').collection('dossiers');

async function register(as: Requester, org: string) {
  const registered = await as.post('/organisations', { kind: 'commune', siren: org, contacts: [{ name: 'Service numérique', email: `numerique-${org}@example.fr` }] });
  expect([201, 409]).toContain(registered.status);
}

async function completeDraft(as: Requester, callId: string, waveId: string): Promise<string> {
  const draft = await as.post('/dossiers', { callId, waveId });
  expect(draft.status).toBe(201);
  const dossierId = draft.body.dossierId as string;
  expect((await as.patch(`/dossiers/${dossierId}/project`, project)).status).toBe(200);
  expect((await as.put(`/dossiers/${dossierId}/budget`, budget)).status).toBe(200);
  return dossierId;
}

/** Runs `work` on each item, `width` at a time (setting up fixtures without flooding a 2-core machine). */
async function inBatches<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  return results;
}

function uploadForm(documentType: string): FormData {
  const form = new FormData();
  form.append('documentType', documentType);
  form.append('file', new Blob([Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n')], { type: 'application/pdf' }), `${documentType}.pdf`);
  return form;
}

beforeAll(async () => {
  submission = await env.startService(service);
  const api = httpClient(submission.url);
  lyon = api.as('applicant', { org: LYON, sub: `agent-${LYON}` });
  villeurbanne = api.as('applicant', { org: VILLEURBANNE, sub: `agent-${VILLEURBANNE}` });
  ajaccio = api.as('applicant', { org: AJACCIO, sub: `agent-${AJACCIO}` });
  await Promise.all([register(lyon, LYON), register(villeurbanne, VILLEURBANNE), register(ajaccio, AJACCIO)]);
});

describe('receipt numbers', () => {
  it('50 concurrent first submits on a fresh database (50 calls, one wave each) get 50 distinct numbers, 1 to 50', async () => {
    const calls = await inBatches(Array.from({ length: 50 }, (_, i) => i), 10, () => noDocumentCall());
    const drafts = await inBatches(calls, 10, (call) => completeDraft(lyon, call.callId, call.waves[0]!.waveId));

    const receipts = await Promise.all(drafts.map((dossierId) => lyon.post(`/dossiers/${dossierId}/submit`)));

    expect(receipts.map((r) => r.status)).toEqual(drafts.map(() => 200));
    const numbers = receipts.map((r) => r.body.number as string);
    expect(new Set(numbers).size).toBe(50);
    const year = new Date().getUTCFullYear();
    expect([...numbers].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `AAP-${year}-${String(i + 1).padStart(6, '0')}`));
    const stored = await Promise.all(drafts.map((dossierId) => dossiers().findOne({ _id: dossierId as never })));
    expect(new Set(stored.map((d) => d!.number)).size).toBe(50);
  });
});

describe('concurrent submits of one dossier', () => {
  it('without an Idempotency-Key: one receipt, the others 409 naming the status, one dossier.submitted, and the place stays taken', async () => {
    const call = await noDocumentCall({ maxActiveDossiersPerApplicantPerWave: 1 });
    const waveId = call.waves[0]!.waveId;
    const dossierId = await completeDraft(lyon, call.callId, waveId);

    const answers = await Promise.all(Array.from({ length: 4 }, () => lyon.post(`/dossiers/${dossierId}/submit`)));

    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    for (const lost of answers.filter((a) => a.status === 409)) expect(lost.body.errors.map((e: { name: string }) => e.name)).toEqual(['dossier-status']);
    const receipt = answers.find((a) => a.status === 200)!.body;
    await eventually(async () => expect(await dossiers().findOne({ _id: dossierId as never })).toMatchObject({ status: 'submitted', number: receipt.number, outboxPending: false }));
    const submitted = (await readTopicToEnd(env.kafka(), eventTopicName(env.prefix, DossierSubmitted.topic))).filter((m) => m.key === dossierId && m.headers.ce_type === DossierSubmitted.type);
    expect(submitted.map((m) => JSON.parse(m.value!).dossier.number)).toEqual([receipt.number]);
    // The failed submits gave back no place: the wave (one dossier allowed) is still full for another draft.
    const other = await completeDraft(lyon, call.callId, waveId);
    const refused = await lyon.post(`/dossiers/${other}/submit`);
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: { name: string }) => e.name)).toEqual(['active-dossiers-per-wave']);
  });
});

describe('the active-dossiers-per-wave rule under concurrent submits', () => {
  it('two concurrent submits under a one-dossier rule: one receipt, one 422 naming the rule (three rounds)', async () => {
    for (let round = 0; round < 3; round++) {
      const call = await noDocumentCall({ maxActiveDossiersPerApplicantPerWave: 1 });
      const waveId = call.waves[0]!.waveId;
      const [first, second] = await Promise.all([completeDraft(villeurbanne, call.callId, waveId), completeDraft(villeurbanne, call.callId, waveId)]);

      const answers = await Promise.all([villeurbanne.post(`/dossiers/${first}/submit`), villeurbanne.post(`/dossiers/${second}/submit`)]);

      expect(answers.map((a) => a.status).sort()).toEqual([200, 422]);
      const refused = answers.find((a) => a.status === 422)!;
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body.errors.map((e: { name: string }) => e.name)).toEqual(['active-dossiers-per-wave']);
      const statuses = await Promise.all([first, second].map(async (id) => (await dossiers().findOne({ _id: id as never }))!.status));
      expect(statuses.sort()).toEqual(['draft', 'submitted']);
    }
  });

  it('a withdrawal frees the place, and a claim left by a submit that crashed half-way stops counting', async () => {
    const call = await noDocumentCall({ maxActiveDossiersPerApplicantPerWave: 1 });
    const waveId = call.waves[0]!.waveId;
    const [first, second, third, fourth] = await inBatches([0, 1, 2, 3], 4, () => completeDraft(ajaccio, call.callId, waveId));
    expect((await ajaccio.post(`/dossiers/${first}/submit`)).status).toBe(200);
    expect((await ajaccio.post(`/dossiers/${second}/submit`)).status).toBe(422);
    expect((await ajaccio.post(`/dossiers/${first}/withdraw`, {})).status).toBe(200);
    expect((await ajaccio.post(`/dossiers/${second}/submit`)).status).toBe(200);

    expect((await ajaccio.post(`/dossiers/${second}/withdraw`, {})).status).toBe(200);

    // `fourth` holds a claim but is still a draft: a submit in flight counts; one a crash left behind, long ago, does not.
    const guards = env.database('submission').collection('dossier_wave_guards');
    const guardId = `${AJACCIO}|${call.callId}|${waveId}`;
    const claimOfFourth = (claimedAt: Date) => guards.updateOne({ _id: guardId as never }, { $set: { claims: [{ dossierId: fourth, claimedAt }] } });
    await claimOfFourth(new Date());
    expect((await ajaccio.post(`/dossiers/${third}/submit`)).status).toBe(422);
    await claimOfFourth(new Date(Date.now() - 10 * 60_000));
    expect((await ajaccio.post(`/dossiers/${third}/submit`)).status).toBe(200);
  });
});

describe('attachments after submission', () => {
  it('an upload racing a submit never slips in: what the receipt attests is exactly what the dossier lists (five rounds)', async () => {
    const call = await noDocumentCall({ maxActiveDossiersPerApplicantPerWave: 10 });
    const waveId = call.waves[0]!.waveId;
    for (let round = 0; round < 5; round++) {
      const dossierId = await completeDraft(lyon, call.callId, waveId);
      const [receipt, upload] = await Promise.all([lyon.post(`/dossiers/${dossierId}/submit`), lyon.post(`/dossiers/${dossierId}/attachments`, uploadForm(`racer-${round}`))]);

      expect(receipt.status).toBe(200);
      expect([201, 409]).toContain(upload.status);
      if (upload.status === 409) expect(upload.body.errors[0].name).toBe('dossier-not-editable');
      const listed = (await lyon.get(`/dossiers/${dossierId}/attachments`)).body.items as Array<Record<string, unknown>>;
      expect(listed).toHaveLength(upload.status === 201 ? 1 : 0);
      const view = (await lyon.get(`/dossiers/${dossierId}`)).body;
      const attested = contentHash({ project: view.project, budget: view.budget, attachments: listed.map(({ uploadedAt: _, ...snapshot }) => snapshot) });
      expect(attested).toBe(receipt.body.contentHash);

      const late = await lyon.post(`/dossiers/${dossierId}/attachments`, uploadForm('late'));
      expect(late.status).toBe(409);
      expect((await lyon.get(`/dossiers/${dossierId}/attachments`)).body.items).toHaveLength(listed.length);
    }
  });
});

describe('retried draft saves', () => {
  it('a PATCH …/project or PUT …/budget sent again (at once, or after its first attempt was saved) answers 200 with the saved content', async () => {
    const call = await noDocumentCall({ maxActiveDossiersPerApplicantPerWave: 10 });
    const draft = await lyon.post('/dossiers', { callId: call.callId, waveId: call.waves[0]!.waveId });
    const dossierId = draft.body.dossierId as string;

    const patches = await Promise.all(Array.from({ length: 4 }, () => lyon.patch(`/dossiers/${dossierId}/project`, project)));
    const puts = await Promise.all(Array.from({ length: 4 }, () => lyon.put(`/dossiers/${dossierId}/budget`, budget)));
    expect([...patches, ...puts].map((a) => a.status)).toEqual(Array(8).fill(200));
    for (const answer of patches) expect(answer.body.project).toEqual(project);
    for (const answer of puts) expect(answer.body.budget).toEqual(budget);

    const versionBefore = (await dossiers().findOne({ _id: dossierId as never }))!.version;
    expect((await lyon.patch(`/dossiers/${dossierId}/project`, project)).status).toBe(200);
    expect((await lyon.put(`/dossiers/${dossierId}/budget`, budget)).status).toBe(200);
    expect((await dossiers().findOne({ _id: dossierId as never }))!.version).toBe(versionBefore); // nothing written twice

    // Once submitted: the same save is still the saved content (200), a different one is refused (409).
    expect((await lyon.post(`/dossiers/${dossierId}/submit`)).status).toBe(200);
    expect((await lyon.put(`/dossiers/${dossierId}/budget`, budget)).status).toBe(200);
    const changed = await lyon.put(`/dossiers/${dossierId}/budget`, { ...budget, eligibleCostCents: 4_100_000 });
    expect(changed.status).toBe(409);
    expect(changed.body.errors[0].name).toBe('dossier-status');
  });
});
