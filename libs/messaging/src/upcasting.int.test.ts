import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DossierDraftClosingSoon,
  DossierDraftClosingSoonV1,
  DossierSubmitted,
  DossierSubmittedV1,
  eventTopicName,
  referenceOfSnapshot,
  sourceOf,
  type DossierSnapshot,
  type EventEnvelope,
} from '@aap/contracts';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { startStandaloneConsumer, type StandaloneConsumer } from './consumer.fixture';
import { newEvent, toKafkaMessage } from './index';

const env = useTestEnvironment();

const snapshot = (dossierId: string): DossierSnapshot => ({
  dossierId,
  number: 'AAP-2026-000042',
  callId: 'call-u',
  waveId: 'vague-1',
  applicant: { organisationId: '216901231', name: 'Lyon', kind: 'commune', territory: { communeCode: '69123', departements: ['69'], regions: ['84'] } },
  project: { title: 'Pass numérique', summary: 's', description: 'd', startDate: '2027-01-01', endDate: '2027-12-31' },
  budget: { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [] },
  attachments: [],
  submittedAt: '2026-03-02T10:15:00+01:00',
  contentHash: 'a'.repeat(64),
});

/** A version 1 event as a producer of an earlier release published it (producers of this one cannot). */
const legacy = (type: string, subject: string, data: unknown): EventEnvelope => ({
  specversion: '1.0',
  id: randomUUID(),
  type,
  source: sourceOf('submission'),
  subject,
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  correlationid: randomUUID(),
  data,
});

describe('a consumer reads a superseded version as the current one', () => {
  let standalone: StandaloneConsumer;
  const received: EventEnvelope[] = [];

  beforeAll(async () => {
    standalone = await startStandaloneConsumer(env, {
      service: 'notification',
      topics: [eventTopicName(env.prefix, DossierSubmitted.topic)],
      register(consumer) {
        consumer.on(DossierSubmitted, async (event) => void received.push(event));
        consumer.on(DossierDraftClosingSoon, async (event) => void received.push(event));
      },
    });
  });
  afterAll(() => standalone?.stop());

  it('given dossier.submitted.v1 and draft-closing-soon.v1 on the topic, when consumed, then the handlers of v2 get v2 (type and data)', async () => {
    const dossier = snapshot('dossier-legacy');
    const submitted = legacy(DossierSubmittedV1.type, dossier.dossierId, { dossier });
    const { number: _none, ...draft } = referenceOfSnapshot(snapshot('draft-legacy'));
    const reminder = legacy(DossierDraftClosingSoonV1.type, 'draft-legacy', { ...draft, title: 'Brouillon', closesAt: '2026-03-31T23:59:59+02:00', daysLeft: 3 });
    const current = newEvent('submission', DossierSubmitted, { ...referenceOfSnapshot(snapshot('dossier-current')), dossier: snapshot('dossier-current') }).envelope;
    await standalone.producer.send({ topic: eventTopicName(env.prefix, DossierSubmitted.topic), acks: -1, messages: [submitted, reminder, current].map((e) => toKafkaMessage(e)) });

    await eventually(() => expect(received.map((e) => e.id).sort()).toEqual([submitted.id, reminder.id, current.id].sort()));
    const byId = new Map(received.map((e) => [e.id, e]));
    expect(byId.get(submitted.id)).toMatchObject({ type: 'dossier.submitted.v2', data: { ...referenceOfSnapshot(dossier), dossier: { dossierId: 'dossier-legacy' } } });
    expect(byId.get(reminder.id)).toMatchObject({ type: 'dossier.draft-closing-soon.v2', data: { dossierId: 'draft-legacy', number: null, daysLeft: 3 } });
    expect(byId.get(current.id)).toMatchObject({ type: 'dossier.submitted.v2', data: { dossierId: 'dossier-current' } });
  });

  it('given a superseded version, when a handler is registered on it or a producer publishes it, then it is refused', () => {
    expect(() => standalone.consumer.on(DossierSubmittedV1, async () => undefined)).toThrow('dossier.submitted.v1 is read as dossier.submitted.v2: handle that version');
    expect(() => newEvent('submission', DossierSubmittedV1, { dossier: snapshot('x') })).toThrow('dossier.submitted.v1 is superseded: publish dossier.submitted.v2');
  });
});
