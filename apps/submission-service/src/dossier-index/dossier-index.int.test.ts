import { beforeAll, describe, expect, it } from 'vitest';
import {
  DossierAccepted,
  DossierComplementRequested,
  DossierRejected,
  DossierReviewStarted,
  DossierSubmitted,
  DossierWaitlisted,
  eventTopicName,
  type EventDefinition,
} from '@aap/contracts';
import { newEvent, toKafkaMessage, type Producer } from '@aap/messaging';
import { eventually, httpClient, useTestEnvironment, type HttpClient } from '@aap/test-harness';
import { createPublishedCall, passNumeriqueCallRules } from '../calls/testing';
import type { Dossier } from '../dossiers/dossier';
import { submissionService } from '../service';
import { readTopicToEnd } from '../testing';
import type { DossierIndexPort } from '.';
import { rowOf } from './dossier-lines';
import type { DossierRow } from './dossier-row';

const env = useTestEnvironment();

const LYON = '216901231';
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n');
const project = { title: 'Pass numérique lyonnais', summary: 'Des pass pour 2 000 habitants', description: 'Distribution par les CCAS', startDate: '2026-06-01', endDate: '2027-05-31' };
const budget = { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'Ville', amountCents: 2_000_000 }] };

/** Two instances of the service on one database and one consumer group: each has its own in-process copy of the index. */
let first: DossierIndexPort;
let second: DossierIndexPort;
let api: HttpClient;
let producer: Producer;
let callId: string;
let waveId: string;

const applicant = () => api.as('applicant', { org: LYON });
const dossiers = () => env.database('submission').collection('dossiers');

/** The row the index must hold for a dossier: built from the dossier as stored now. */
async function expectedRow(dossierId: string): Promise<DossierRow> {
  const doc = await dossiers().findOne({ _id: dossierId as never });
  return rowOf({ ...doc, dossierId } as unknown as Dossier);
}
const rowIn = async (index: DossierIndexPort, dossierId: string) => (await index.rowsOfCall(callId)).find((row) => row.dossierId === dossierId);

/** Waits until the index of `index` holds the dossier's row as stored, with these fields; answers it. */
const indexed = (dossierId: string, fields: Partial<DossierRow>, index = first) =>
  eventually(async () => {
    const row = await rowIn(index, dossierId);
    expect(row).toMatchObject(fields);
    expect(row).toEqual(await expectedRow(dossierId));
    return row!;
  });

async function draft(): Promise<string> {
  const created = await applicant().post('/dossiers', { callId, waveId });
  expect(created.status).toBe(201);
  return created.body.dossierId as string;
}

async function submitted(): Promise<string> {
  const dossierId = await draft();
  expect((await applicant().patch(`/dossiers/${dossierId}/project`, project)).status).toBe(200);
  expect((await applicant().put(`/dossiers/${dossierId}/budget`, budget)).status).toBe(200);
  for (const documentType of ['deliberation', 'budget-plan']) {
    const form = new FormData();
    form.append('documentType', documentType);
    form.append('file', new Blob([PDF], { type: 'application/pdf' }), `${documentType}.pdf`);
    expect((await applicant().post(`/dossiers/${dossierId}/attachments`, form)).status).toBe(201);
  }
  expect((await applicant().post(`/dossiers/${dossierId}/submit`)).status).toBe(200);
  return dossierId;
}

async function referenceOf(dossierId: string) {
  const doc = await dossiers().findOne({ _id: dossierId as never });
  return { dossierId, number: doc!.number as string, callId, waveId, organisationId: LYON, at: new Date().toISOString() };
}

async function publish(topicOf: EventDefinition, ...events: Array<ReturnType<typeof newEvent>>) {
  await producer.send({ topic: eventTopicName(env.prefix, topicOf.topic), acks: -1, messages: events.map((event) => toKafkaMessage(event.envelope)) });
}
const publishEvaluation = (...events: Array<ReturnType<typeof newEvent>>) => publish(DossierAccepted, ...events);

beforeAll(async () => {
  const one = await env.startService(submissionService({ index: (index) => (first = index) }));
  await env.startService(submissionService({ index: (index) => (second = index) }));
  api = httpClient(one.url);
  producer = env.kafka().producer();
  await producer.connect();
  expect((await applicant().post('/organisations', { kind: 'commune', siren: LYON, contacts: [{ name: 'Service numérique', email: 'numerique@example.fr' }] })).status).toBe(201);
  const call = await createPublishedCall(one.url, passNumeriqueCallRules({ maxActiveDossiersPerApplicantPerWave: 50 }));
  callId = call.callId;
  waveId = call.waves[0]!.waveId;
  return () => producer.disconnect();
});

describe('the staff lists’ index follows every dossier event', () => {
  it('a draft is listed from dossier.draft-saved: started, then its title and requested amount saved', async () => {
    const dossierId = await draft();
    await indexed(dossierId, { status: 'draft', number: null, title: '', applicantName: 'Lyon', applicantKind: 'commune', departements: ['69'], submittedAt: null });
    expect((await applicant().patch(`/dossiers/${dossierId}/project`, { title: 'Tiers-lieu de la Croix-Rousse' })).status).toBe(200);
    await indexed(dossierId, { title: 'Tiers-lieu de la Croix-Rousse', requestedGrantCents: null });
    expect((await applicant().put(`/dossiers/${dossierId}/budget`, budget)).status).toBe(200);
    await indexed(dossierId, { requestedGrantCents: 2_000_000 });
  });

  it('submitted, then withdrawn', async () => {
    const dossierId = await submitted();
    const row = await indexed(dossierId, { status: 'submitted', title: project.title, requestedGrantCents: 2_000_000 });
    expect(row.number).toMatch(/^AAP-\d{4}-\d{6}$/);
    expect(row.submittedAt).not.toBeNull();
    expect((await applicant().post(`/dossiers/${dossierId}/withdraw`, {})).status).toBe(200);
    await indexed(dossierId, { status: 'withdrawn' });
  });

  it('decided: accepted with its grant, rejected, waitlisted', async () => {
    const [acceptedId, rejectedId, waitlistedId] = [await submitted(), await submitted(), await submitted()];
    for (const dossierId of [acceptedId, rejectedId, waitlistedId]) await publishEvaluation(newEvent('evaluation', DossierReviewStarted, await referenceOf(dossierId)));
    await publishEvaluation(
      newEvent('evaluation', DossierAccepted, { ...(await referenceOf(acceptedId)), grantCents: 1_500_000, stateRateBps: 5_000, eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, motivation: 'Projet solide' }),
      newEvent('evaluation', DossierRejected, { ...(await referenceOf(rejectedId)), motivation: 'Hors périmètre', reasons: [], ineligible: false }),
      newEvent('evaluation', DossierWaitlisted, { ...(await referenceOf(waitlistedId)), rank: 1, motivation: 'Liste complémentaire' }),
    );
    await indexed(acceptedId, { status: 'accepted', grantedCents: 1_500_000 });
    await indexed(rejectedId, { status: 'rejected', grantedCents: null });
    await indexed(waitlistedId, { status: 'waitlisted', grantedCents: null });
  });

  it('complement requested, then resubmitted by the answer', async () => {
    const dossierId = await submitted();
    await publishEvaluation(newEvent('evaluation', DossierReviewStarted, await referenceOf(dossierId)));
    await indexed(dossierId, { status: 'under-review' });
    await publishEvaluation(newEvent('evaluation', DossierComplementRequested, { ...(await referenceOf(dossierId)), complementRequestId: 'cr-1', message: 'Joindre le plan signé' }));
    await indexed(dossierId, { status: 'complement-requested' });
    expect((await applicant().post(`/dossiers/${dossierId}/complements/cr-1/answer`, { answer: 'Plan signé joint' })).status).toBe(200);
    await indexed(dossierId, { status: 'under-review' });
  });

  it('duplicated and out-of-order deliveries give the right final row', async () => {
    const dossierId = await submitted();
    const reviewStarted = newEvent('evaluation', DossierReviewStarted, await referenceOf(dossierId));
    const accepted = newEvent('evaluation', DossierAccepted, { ...(await referenceOf(dossierId)), grantCents: 900_000, stateRateBps: 5_000, eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, motivation: 'ok' });
    // Each event twice (a redelivery: the same ids), in one batch.
    await publishEvaluation(reviewStarted, reviewStarted, accepted, accepted);
    await indexed(dossierId, { status: 'accepted', grantedCents: 900_000 });
    // The dossier's submission seen again after its decision (its own event published again late, under
    // a new id, twice): the row stays the decided one, at the dossier's version.
    const [submittedMessage] = (await readTopicToEnd(env.kafka(), eventTopicName(env.prefix, DossierSubmitted.topic))).filter(
      (m) => m.key === dossierId && m.headers.ce_type === DossierSubmitted.type,
    );
    const late = newEvent('submission', DossierSubmitted, JSON.parse(submittedMessage!.value!));
    await publish(DossierSubmitted, late, late);
    // The known point: the late event handled (recorded in the inbox once its handlers succeeded).
    await eventually(async () => expect(await env.database('submission').collection('processed_events').findOne({ _id: late.envelope.id as never })).not.toBeNull());
    expect(await rowIn(first, dossierId)).toMatchObject({ status: 'accepted', grantedCents: 900_000 });
    expect(await rowIn(second, dossierId)).toEqual(await expectedRow(dossierId));
  });

  it('two instances: a row written by one is seen by the next read of the other', async () => {
    const dossierId = await draft();
    await indexed(dossierId, { status: 'draft' }, first);
    await indexed(dossierId, { status: 'draft' }, second);
    // Both copies are warm; the dossier changes, and one instance rewrites its row.
    expect((await applicant().patch(`/dossiers/${dossierId}/project`, { title: 'Vu des deux côtés' })).status).toBe(200);
    await first.refresh(dossierId);
    expect(await rowIn(second, dossierId)).toMatchObject({ title: 'Vu des deux côtés' });
    expect((await applicant().patch(`/dossiers/${dossierId}/project`, { title: 'Et dans l’autre sens' })).status).toBe(200);
    await second.refresh(dossierId);
    expect(await rowIn(first, dossierId)).toMatchObject({ title: 'Et dans l’autre sens' });
    expect(await first.rowsOfCall(callId)).toEqual(await second.rowsOfCall(callId));
  });
});

describe('rebuilding the index', () => {
  const admin = () => api.as('admin');
  const byId = (rows: readonly DossierRow[]) => [...rows].sort((a, b) => a.dossierId.localeCompare(b.dossierId));
  const emptyIndex = async () => {
    await env.database('submission').collection('dossier_index_buckets').deleteMany({});
    await env.database('submission').collection('dossier_index_heads').deleteMany({});
  };
  /** The live index once it has caught up: every dossier of the call has its row as stored. */
  const caughtUp = () =>
    eventually(async () => {
      const rows = byId(await first.rowsOfCall(callId));
      expect(rows.map((row) => row.dossierId)).toEqual((await dossiers().find({ callId }, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)).sort());
      for (const row of rows) expect(row).toEqual(await expectedRow(row.dossierId));
      return rows;
    });
  async function rebuilt(from: 'topic' | 'dossiers') {
    const started = await admin().post('/admin/dossier-index/rebuild', { from });
    expect(started.status).toBe(202);
    return eventually(
      async () => {
        const state = await admin().get(`/admin/dossier-index/rebuild/${started.body.rebuildId}`);
        expect(state.body).toMatchObject({ rebuildId: started.body.rebuildId, from, state: 'done', endedAt: expect.any(String) });
        return state.body as { rows: number };
      },
      { timeoutMs: 60_000 },
    );
  }

  /** The call's export lines as stored: dossier id → the version of the dossier each was written from. */
  const exportLineVersions = async () =>
    Object.fromEntries((await env.database('submission').collection('dossier_export_lines').find({ callId }, { projection: { version: 1 } }).toArray()).map((line) => [String(line._id), line.version]));
  const dossierVersions = async () => Object.fromEntries((await dossiers().find({ callId }, { projection: { version: 1 } }).toArray()).map((d) => [String(d._id), d.version]));

  it('from the dossier topics: the same rows as the live index, on both instances, and the export lines rewritten', async () => {
    const live = await caughtUp();
    await emptyIndex();
    await env.database('submission').collection('dossier_export_lines').deleteMany({ callId });
    expect(await first.rowsOfCall(callId)).toEqual([]);
    expect((await rebuilt('topic')).rows).toBe(live.length);
    expect(byId(await first.rowsOfCall(callId))).toEqual(live);
    expect(byId(await second.rowsOfCall(callId))).toEqual(live);
    expect(await exportLineVersions()).toEqual(await dossierVersions());
  });

  it('from the dossiers collection the same; a rebuild is for admins, an unknown one 404', async () => {
    const live = await caughtUp();
    await emptyIndex();
    expect((await rebuilt('dossiers')).rows).toBe(live.length);
    expect(byId(await second.rowsOfCall(callId))).toEqual(live);
    expect((await api.as('programme-manager').post('/admin/dossier-index/rebuild', { from: 'topic' })).status).toBe(403);
    expect((await admin().post('/admin/dossier-index/rebuild', { from: 'elsewhere' })).status).toBe(400);
    expect((await admin().get('/admin/dossier-index/rebuild/nope')).status).toBe(404);
  });

  it('a service starting on dossiers stored before the index fills it from the collection, once', async () => {
    const live = await caughtUp();
    await emptyIndex();
    await env.database('submission').collection('schema_upgrades').deleteOne({ _id: 'dossier-index-from-dossiers' as never });
    let third!: DossierIndexPort;
    await env.startService(submissionService({ index: (index) => (third = index) }));
    expect(byId(await third.rowsOfCall(callId))).toEqual(live);
    expect(await env.database('submission').collection('schema_upgrades').findOne({ _id: 'dossier-index-from-dossiers' as never })).not.toBeNull();
  });
});
