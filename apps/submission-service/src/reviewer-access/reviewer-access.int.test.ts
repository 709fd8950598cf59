import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTopicName, EvaluationConflictDeclared, EvaluationReviewersAssigned, type EventData, type EventDefinition, type EventEnvelope } from '@aap/contracts';
import { newEvent, toKafkaMessage, type Producer } from '@aap/messaging';
import type { RunningService } from '@aap/service-runtime';
import { eventually, httpClient, useTestEnvironment, type HttpClient } from '@aap/test-harness';
import { createPublishedCall, passNumeriqueCallRules } from '../calls/testing';
import { service } from '../service';

const env = useTestEnvironment();

const LYON = '216901231';
const VILLEURBANNE = '216902668';
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n');

let submission: RunningService;
let api: HttpClient;
let producer: Producer;

/** Publishes as the evaluation service does (its source, its topic, key = dossier id). */
async function publish<D extends EventDefinition>(definition: D, data: EventData<D>): Promise<EventEnvelope> {
  const { envelope } = newEvent('evaluation', definition, data);
  await redeliver(envelope, definition);
  return envelope;
}
const redeliver = (envelope: EventEnvelope, definition: EventDefinition) =>
  producer.send({ topic: eventTopicName(env.prefix, definition.topic), acks: -1, messages: [toKafkaMessage(envelope)] }).then(() => undefined);

const assignments = () => env.database('submission').collection('reviewer_assignments');
const reviewer = (sub: string) => api.as('reviewer', { sub });

interface Submitted {
  dossierId: string;
  number: string;
  attachmentId: string;
}
let callId: string;
let waveId: string;
let dossierA: Submitted;
let dossierB: Submitted;
let draftId: string;

const referenceOf = (d: { dossierId: string; number: string }, organisationId = LYON) => ({ dossierId: d.dossierId, number: d.number, callId, waveId, organisationId });
const assigned = (d: Submitted | { dossierId: string; number: string }, reviewerIds: string[], at = new Date().toISOString()) => ({
  ...referenceOf(d),
  at,
  reviewers: reviewerIds.map((reviewerId) => ({ reviewerId, name: `Expert ${reviewerId}`, email: `${reviewerId}@experts.example.fr`, dueAt: '2026-05-15T18:00:00+02:00' })),
  missing: 0,
  cause: 'admissible' as const,
});

/** A draft of Lyon with everything the Pass numérique call asks, and its first attachment. */
async function draftWithDocuments(org: string): Promise<{ dossierId: string; attachmentId: string }> {
  const as = api.as('applicant', { org, sub: `agent-${org}` });
  const draft = await as.post('/dossiers', { callId, waveId });
  expect(draft.status).toBe(201);
  const dossierId = draft.body.dossierId as string;
  const project = { title: 'Pass numérique', summary: 'Des pass pour 2 000 habitants', description: 'Distribution par les CCAS', startDate: '2026-06-01', endDate: '2027-05-31' };
  expect((await as.patch(`/dossiers/${dossierId}/project`, project)).status).toBe(200);
  const budget = { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'Ville', amountCents: 2_000_000 }] };
  expect((await as.put(`/dossiers/${dossierId}/budget`, budget)).status).toBe(200);
  const ids: string[] = [];
  for (const documentType of ['deliberation', 'budget-plan']) {
    const form = new FormData();
    form.append('documentType', documentType);
    form.append('file', new Blob([PDF], { type: 'application/pdf' }), `${documentType}.pdf`);
    const uploaded = await as.post(`/dossiers/${dossierId}/attachments`, form);
    expect(uploaded.status).toBe(201);
    ids.push(uploaded.body.attachmentId as string);
  }
  return { dossierId, attachmentId: ids[0]! };
}

async function submitted(org: string): Promise<Submitted> {
  const { dossierId, attachmentId } = await draftWithDocuments(org);
  const receipt = await api.as('applicant', { org, sub: `agent-${org}` }).post(`/dossiers/${dossierId}/submit`);
  expect(receipt.status).toBe(200);
  return { dossierId, number: receipt.body.number as string, attachmentId };
}

/** Every read a reviewer could make of one dossier: the dossier (its history and complements are in it), its attachments, one download. */
async function readsOf(sub: string, d: { dossierId: string; attachmentId: string }) {
  const as = reviewer(sub);
  const [dossier, list, download] = await Promise.all([
    as.get(`/dossiers/${d.dossierId}`),
    as.get(`/dossiers/${d.dossierId}/attachments`),
    as.get(`/dossiers/${d.dossierId}/attachments/${d.attachmentId}`),
  ]);
  return { dossier, list, download, statuses: [dossier.status, list.status, download.status] };
}

beforeAll(async () => {
  submission = await env.startService(service);
  api = httpClient(submission.url);
  producer = env.kafka().producer();
  await producer.connect();
  for (const org of [LYON, VILLEURBANNE]) {
    const registered = await api.as('applicant', { org }).post('/organisations', { kind: 'commune', siren: org, contacts: [{ name: 'Service numérique', email: `numerique-${org}@example.fr` }] });
    expect(registered.status).toBe(201);
  }
  const call = await createPublishedCall(submission.url, passNumeriqueCallRules({ maxActiveDossiersPerApplicantPerWave: 5 }));
  callId = call.callId;
  waveId = call.waves[0]!.waveId;
  dossierA = await submitted(LYON);
  dossierB = await submitted(LYON);
  draftId = (await draftWithDocuments(LYON)).dossierId;
});

afterAll(() => producer.disconnect());

describe('reviewers read only the dossiers assigned to them (submission service)', () => {
  it('a reviewer without an assignment gets, for the dossier, its attachment list and a download, the very 404 of a dossier that does not exist', async () => {
    const reads = await readsOf('rev-none', dossierA);
    expect(reads.statuses).toEqual([404, 404, 404]);
    const missing = await reviewer('rev-none').get(`/dossiers/does-not-exist`);
    expect(reads.dossier.headers['content-type']).toContain('application/problem+json');
    const { detail, instance: _i, ...problem } = reads.dossier.body;
    const { detail: missingDetail, instance: _m, ...missingProblem } = missing.body;
    expect(problem).toEqual(missingProblem);
    expect([detail, missingDetail]).toEqual([`Dossier ${dossierA.dossierId} was not found`, 'Dossier does-not-exist was not found']);
    expect(reads.download.body).toMatchObject(missingProblem);
  });

  it('lists, exports, counts and organisations stay closed to a reviewer (403); lists, exports and counts open to the call’s team', async () => {
    const as = reviewer('rev-none');
    expect((await as.get('/dossiers')).status).toBe(403);
    expect((await as.get(`/calls/${callId}/dossiers.csv`)).status).toBe(403);
    expect((await as.get(`/calls/${callId}/dossier-counts`)).status).toBe(403);
    expect((await as.get(`/organisations/${LYON}`)).status).toBe(403);
    expect((await as.get('/organisations')).status).toBe(403);
    const committee = api.as('committee');
    // The staff list answers from the index, kept from the dossiers' events: the three submitted ones, once handled.
    await eventually(async () => expect((await committee.get('/dossiers', { query: { callId } })).body.total).toBe(3));
    expect((await committee.get(`/calls/${callId}/dossier-counts`)).status).toBe(200);
  });

  it('once assigned, the reviewer reads the dossier and downloads its attachment; other reviewers and other dossiers stay 404; a redelivery changes nothing', async () => {
    const event = await publish(EvaluationReviewersAssigned, assigned(dossierA, ['rev-1', 'rev-2']));
    await eventually(async () => expect((await readsOf('rev-1', dossierA)).statuses).toEqual([200, 200, 200]), { timeoutMs: 20_000 });
    const reads = await readsOf('rev-2', dossierA);
    expect(reads.statuses).toEqual([200, 200, 200]);
    expect(reads.dossier.body).toMatchObject({ dossierId: dossierA.dossierId, number: dossierA.number, status: 'submitted' });
    expect(reads.list.body.items).toHaveLength(2);
    expect(Buffer.from(reads.download.body as string, 'latin1').equals(PDF)).toBe(true);

    expect((await readsOf('rev-1', dossierB)).statuses).toEqual([404, 404, 404]);
    expect((await readsOf('rev-3', dossierA)).statuses).toEqual([404, 404, 404]);
    // Still no list: a reviewer's work queue is the evaluation service's.
    expect((await reviewer('rev-1').get('/dossiers')).status).toBe(403);

    const before = await assignments().find({ dossierId: dossierA.dossierId }).sort({ _id: 1 }).toArray();
    expect(before.map((a) => [a._id, a.active, a.version])).toEqual([
      [`${dossierA.dossierId}:rev-1`, true, 1],
      [`${dossierA.dossierId}:rev-2`, true, 1],
    ]);
    await redeliver(event, EvaluationReviewersAssigned);
    // A later event of the same dossier (same partition) handled means the redelivery was handled before it.
    const marker = await publish(EvaluationReviewersAssigned, assigned(dossierA, ['rev-marker']));
    await eventually(async () => expect(await assignments().findOne({ _id: `${dossierA.dossierId}:rev-marker` as never })).toMatchObject({ eventId: marker.id }), { timeoutMs: 20_000 });
    expect(await assignments().find({ dossierId: dossierA.dossierId, reviewerId: 'rev-1' }).toArray()).toEqual([before[0]]);
  });

  it('a reviewer who declares a conflict loses the dossier at once; the other assigned reviewer keeps it; the old assignment redelivered does not give it back', async () => {
    const event = await publish(EvaluationReviewersAssigned, assigned(dossierB, ['rev-4', 'rev-5']));
    await eventually(async () => expect((await readsOf('rev-4', dossierB)).statuses).toEqual([200, 200, 200]), { timeoutMs: 20_000 });

    await publish(EvaluationConflictDeclared, { ...referenceOf(dossierB), at: new Date().toISOString(), reviewerId: 'rev-4' });
    await eventually(async () => expect((await readsOf('rev-4', dossierB)).statuses).toEqual([404, 404, 404]), { timeoutMs: 20_000 });
    expect((await readsOf('rev-5', dossierB)).statuses).toEqual([200, 200, 200]);

    await redeliver(event, EvaluationReviewersAssigned);
    // The same assignment under a new id but with its old time (a replay of history) does not give it back either.
    const replay = await publish(EvaluationReviewersAssigned, { ...assigned(dossierB, ['rev-4']), at: (event.data as { at: string }).at });
    const marker = await publish(EvaluationReviewersAssigned, assigned(dossierB, ['rev-marker']));
    await eventually(async () => expect(await assignments().findOne({ _id: `${dossierB.dossierId}:rev-marker` as never })).toMatchObject({ eventId: marker.id }), { timeoutMs: 20_000 });
    expect(await assignments().findOne({ _id: `${dossierB.dossierId}:rev-4` as never })).toMatchObject({ active: false, version: 2 });
    expect(replay.id).not.toBe(event.id);
    expect((await readsOf('rev-4', dossierB)).statuses).toEqual([404, 404, 404]);
  });

  it('never a draft, even with an assignment', async () => {
    const draft = { dossierId: draftId, number: 'AAP-2026-999999' };
    await publish(EvaluationReviewersAssigned, assigned(draft, ['rev-6']));
    await eventually(async () => expect(await assignments().findOne({ _id: `${draftId}:rev-6` as never })).toMatchObject({ active: true }), { timeoutMs: 20_000 });
    expect((await reviewer('rev-6').get(`/dossiers/${draftId}`)).status).toBe(404);
    expect((await reviewer('rev-6').get(`/dossiers/${draftId}/attachments`)).status).toBe(404);
  });

  it('a token that is also an oversight role reads every dossier of its team’s calls; one that is also an applicant, its own organisation’s and its assignments only', async () => {
    expect((await api.as(['committee', 'reviewer']).get(`/dossiers/${dossierB.dossierId}`)).status).toBe(200);
    // On no team of this call and assigned nothing: as if the dossier did not exist.
    expect((await api.as(['committee', 'reviewer'], { sub: 'rev-none' }).get(`/dossiers/${dossierB.dossierId}`)).status).toBe(404);
    const villeurbanneReviewer = api.as(['applicant', 'reviewer'], { org: VILLEURBANNE, sub: 'rev-villeurbanne' });
    expect((await villeurbanneReviewer.get(`/dossiers/${dossierA.dossierId}`)).status).toBe(404);
    expect((await villeurbanneReviewer.get('/dossiers', { query: { callId } })).body).toMatchObject({ total: 0 });
    expect((await villeurbanneReviewer.get(`/organisations/${LYON}`)).status).toBe(404);

    await publish(EvaluationReviewersAssigned, assigned(dossierA, ['rev-villeurbanne']));
    await eventually(async () => expect((await villeurbanneReviewer.get(`/dossiers/${dossierA.dossierId}`)).status).toBe(200), { timeoutMs: 20_000 });
    // Reading is not changing: attachments of another organisation's dossier are still not its to upload.
    const form = new FormData();
    form.append('documentType', 'statuts');
    form.append('file', new Blob([PDF], { type: 'application/pdf' }), 'statuts.pdf');
    expect((await villeurbanneReviewer.post(`/dossiers/${dossierA.dossierId}/attachments`, form)).status).toBe(404);
  });
});
