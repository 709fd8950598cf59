import { isIP } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CallPublished,
  DossierAccepted,
  DossierSubmitted,
  EvaluationConflictDeclared,
  EvaluationReviewDueSoon,
  EvaluationReviewersAssigned,
  OrganisationRegistered,
  type EventData,
} from '@aap/contracts';
import type { RunningService } from '@aap/service-runtime';
import { eventPublisher, eventually, httpClient, useTestEnvironment, type HttpClient } from '@aap/test-harness';
import { createNotificationService } from '../service';
import { applicant, callSnapshot, routedEventData } from '../testing/fixtures';
import { copiesOnTopic, settledDeliveries } from '../testing/known-points';
import { startMailCatcher, type CaughtMail } from '../testing/mail-catcher';
import { startReceiver } from '../testing/webhook-receiver';
import { systemResolver, type HostResolver } from '../webhooks/target-policy';
import { ROUTED_EVENT_TYPES } from './routing';

const env = useTestEnvironment();

/** The receiver's name resolves to the loopback and is on the operator allow-list (see webhooks.int.test.ts). */
const RECEIVERS = 'receivers.test';
const resolveHost: HostResolver = async (hostname) => (hostname === RECEIVERS ? [{ address: '127.0.0.1', family: isIP('127.0.0.1') }] : systemResolver(hostname));

const eventTypeOf = (mail: CaughtMail) => String(mail.headers['x-aap-event-type'] ?? '');
const isEvaluation = (type: string) => type.startsWith('evaluation.');

describe('reviewer e-mails: staff messages that never reach the applicant', () => {
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  let notification: RunningService;
  let api: HttpClient;
  const organisation = applicant('216901231');
  const callId = 'call-eval-1';
  const story = routedEventData({ dossierId: 'dossier-eval-1', number: 'AAP-2026-000555', callId, organisation });
  const reference = { dossierId: 'dossier-eval-1', number: 'AAP-2026-000555', callId, waveId: 'w1', organisationId: organisation.organisationId };
  const claire = { reviewerId: 'rev-claire', name: 'Claire Dupont', email: 'claire.dupont@experts.example.fr', dueAt: '2026-05-15T16:00:00Z' };
  const marc = { reviewerId: 'rev-marc', name: 'Marc Lefèvre', email: 'marc.lefevre@experts.example.fr', dueAt: '2026-05-15T16:00:00Z' };
  const assignedData: EventData<typeof EvaluationReviewersAssigned> = { ...reference, at: '2026-04-10T09:00:00Z', reviewers: [claire, marc], missing: 0, cause: 'admissible' };
  const deliveries = () => env.database('notification').collection('deliveries');
  const mailsTo = async (address: string) => (await mail.mails()).filter((m) => m.to.includes(address));

  beforeAll(async () => {
    mail = await startMailCatcher();
    receiver = await startReceiver([200], { host: RECEIVERS });
    notification = await env.startService(
      createNotificationService(
        { SMTP_PORT: mail.port, PUBLIC_APP_URL: 'https://aap.example.fr', DELIVERY_RETRY_BASE_MS: 100, DELIVERY_RETRY_MAX_MS: 2_000, WEBHOOK_ALLOWED_HOSTS: [RECEIVERS] },
        { resolveHost },
      ),
    );
    api = httpClient(notification.url);
    publisher = await eventPublisher(env);
    await publisher.publish(CallPublished, { call: callSnapshot(callId) });
    await publisher.publish(OrganisationRegistered, { organisation });
    await publisher.publish(DossierSubmitted, story['dossier.submitted.v2']);
    await eventually(async () => expect(await mailsTo(organisation.contacts[0]!.email)).toHaveLength(1), { timeoutMs: 20_000 });
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await receiver?.close();
    await mail?.stop();
  });

  it('evaluation.* events cannot be subscribed to by an organisation’s webhook, nor by a back-office one', async () => {
    const asOrganisation = api.as('applicant', { org: organisation.organisationId });
    const refused = await asOrganisation.post('/webhooks', { url: receiver.url, eventTypes: ['dossier.accepted.v3', 'evaluation.reviewers-assigned.v1'] });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['#/eventTypes/1']);
    const backOffice = await api.as('admin').post('/webhooks', { url: receiver.url, eventTypes: ['evaluation.review-due-soon.v1'] });
    expect(backOffice.status).toBe(422);
    // The organisation subscribes to everything it may: what it receives is checked below.
    expect((await asOrganisation.post('/webhooks', { url: receiver.url, eventTypes: [...ROUTED_EVENT_TYPES] })).status).toBe(201);
  });

  it('each newly assigned reviewer gets one e-mail, in French: dossier number, call, deadline in Paris time, link; a redelivery sends nothing more', async () => {
    const assigned = await publisher.publish(EvaluationReviewersAssigned, assignedData);
    const [toClaire] = await eventually(async () => {
      const caught = await mailsTo(claire.email);
      expect(caught).toHaveLength(1);
      return caught;
    }, { timeoutMs: 20_000 });
    expect(eventTypeOf(toClaire!)).toBe('evaluation.reviewers-assigned.v1');
    expect(toClaire!.subject).toBe('Nouveau dossier à évaluer — dossier AAP-2026-000555');
    expect(toClaire!.text).toMatch(/^Bonjour Claire Dupont,/);
    expect(toClaire!.text).toContain('- Appel à projets : Fabriques de territoire 2026');
    expect(toClaire!.text).toContain("- Date limite d'évaluation : 15 mai 2026 à 18:00 (heure de Paris)");
    expect(toClaire!.text).toContain('Dossier n° AAP-2026-000555 : https://aap.example.fr/evaluations/dossier-eval-1');
    expect(toClaire!.html).toContain('<a href="https://aap.example.fr/evaluations/dossier-eval-1">');
    // One e-mail per reviewer: Marc's names Marc, and nobody else is written to.
    const [toMarc] = await eventually(async () => {
      const caught = await mailsTo(marc.email);
      expect(caught).toHaveLength(1);
      return caught;
    }, { timeoutMs: 20_000 });
    expect(toMarc!.text).toMatch(/^Bonjour Marc Lefèvre,/);
    expect(toMarc!.text).not.toContain('Claire');

    await publisher.redeliver(assigned, EvaluationReviewersAssigned);
    await copiesOnTopic(env, EvaluationReviewersAssigned, assigned.id, 2); // the duplicate is really on the topic
    // A later event of the same dossier (same key, same partition) handled: the redelivery was handled before it.
    await publisher.publish(EvaluationConflictDeclared, { ...reference, at: '2026-04-11T09:00:00Z', reviewerId: marc.reviewerId });
    const replacement = { reviewerId: 'rev-lea', name: 'Léa Martin', email: 'lea.martin@experts.example.fr', dueAt: '2026-05-15T16:00:00Z' };
    await publisher.publish(EvaluationReviewersAssigned, { ...assignedData, at: '2026-04-11T09:00:01Z', reviewers: [replacement], cause: 'conflict-replacement' });
    await eventually(async () => expect(await mailsTo(replacement.email)).toHaveLength(1), { timeoutMs: 20_000 });
    // The first assignment's e-mails are settled (one record per reviewer, sent): nothing more can be sent for it.
    expect((await settledDeliveries(env, { eventId: assigned.id })).map((d) => d.log.filter((entry) => entry.outcome === 'sent').length)).toEqual([1, 1]);
    expect(await mailsTo(claire.email)).toHaveLength(1);
    expect(await mailsTo(marc.email)).toHaveLength(1);
  });

  it('a reviewer whose review is due soon gets a reminder', async () => {
    await publisher.publish(EvaluationReviewDueSoon, { ...reference, at: '2026-05-13T16:00:00Z', reviewerId: claire.reviewerId, name: claire.name, email: claire.email, dueAt: claire.dueAt });
    const reminder = await eventually(async () => {
      const caught = (await mailsTo(claire.email)).filter((m) => eventTypeOf(m) === 'evaluation.review-due-soon.v1');
      expect(caught).toHaveLength(1);
      return caught[0]!;
    }, { timeoutMs: 20_000 });
    expect(reminder.subject).toBe('Rappel : évaluation attendue avant le 15 mai 2026 à 18:00 — dossier AAP-2026-000555');
  });

  it('nothing of evaluation.* reaches the organisation: not its inbox, its timeline, its e-mails or its webhook', async () => {
    // A decision after the evaluation events: once its inbox item and webhook delivery are there, everything before was handled too.
    const accepted = await publisher.publish(DossierAccepted, story['dossier.accepted.v3']);
    const asOrganisation = api.as('applicant', { org: organisation.organisationId });
    const inbox = await eventually(async () => {
      const page = await asOrganisation.get(`/organisations/${organisation.organisationId}/inbox`, { query: { pageSize: 100 } });
      expect(page.body.items.map((item: { eventType: string }) => item.eventType)).toContain('dossier.accepted.v3');
      return page.body.items as Array<{ eventType: string; body: string }>;
    }, { timeoutMs: 20_000 });
    await eventually(() => expect(receiver.received.map((r) => JSON.parse(r.body).id)).toContain(accepted.id), { timeoutMs: 20_000 });

    expect(inbox.map((item) => item.eventType).sort()).toEqual(['dossier.accepted.v3', 'dossier.submitted.v2']);
    expect(inbox.map((item) => item.body).join('\n')).not.toMatch(/Claire|Marc|Léa|experts\.example\.fr/);

    for (const view of ['applicant', 'staff'] as const) {
      const timeline = view === 'applicant' ? await asOrganisation.get('/dossiers/dossier-eval-1/timeline') : await api.as('admin').get('/dossiers/dossier-eval-1/timeline');
      expect(timeline.status).toBe(200);
      expect(timeline.body.view).toBe(view);
      expect(timeline.body.entries.map((entry: { type: string }) => entry.type).filter(isEvaluation)).toEqual([]);
      expect(JSON.stringify(timeline.body)).not.toMatch(/rev-claire|experts\.example\.fr/);
    }

    const received = receiver.received.map((r) => JSON.parse(r.body) as { type: string });
    expect(received.map((event) => event.type)).toEqual(['dossier.accepted.v3']);
    for (const contact of organisation.contacts) expect((await mailsTo(contact.email)).map(eventTypeOf).filter(isEvaluation)).toEqual([]);

    // Every evaluation delivery is an e-mail to a reviewer, tied to no organisation.
    const evaluationDeliveries = (await deliveries().find({ eventType: { $regex: /^evaluation\./ } }).toArray()).map((d) => [d.channel, d.organisationId ?? null, d.email?.to.address]);
    expect(evaluationDeliveries.sort()).toEqual(
      [
        ['email', null, claire.email],
        ['email', null, marc.email],
        ['email', null, 'lea.martin@experts.example.fr'],
        ['email', null, claire.email],
      ].sort(),
    );
  });

  it('a reviewer reads no organisation inbox nor timeline (403); one who is also another organisation’s applicant, the same 404 as a missing one', async () => {
    const reviewer = api.as('reviewer', { sub: 'rev-claire' });
    expect((await reviewer.get(`/organisations/${organisation.organisationId}/inbox`)).status).toBe(403);
    expect((await reviewer.get(`/organisations/${organisation.organisationId}/inbox/unread-count`)).status).toBe(403);
    expect((await reviewer.get('/dossiers/dossier-eval-1/timeline')).status).toBe(403);
    expect((await reviewer.get('/dossiers/dossier-eval-1/timeline.csv')).status).toBe(403);

    const alsoApplicant = api.as(['applicant', 'reviewer'], { org: '200046977', sub: 'rev-claire' });
    expect((await alsoApplicant.get(`/organisations/${organisation.organisationId}/inbox`)).status).toBe(404);
    expect((await alsoApplicant.get('/dossiers/dossier-eval-1/timeline')).status).toBe(404);
    expect((await api.as(['committee', 'reviewer']).get('/dossiers/dossier-eval-1/timeline')).body.view).toBe('staff');
  });
});
