import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallExtended, CallPublished, CallTeamChanged, catalogue, DossierSubmitted, OrganisationRegistered, type EventDefinition, type EventEnvelope } from '@aap/contracts';
import type { RunningService } from '@aap/service-runtime';
import { authHeaders, eventPublisher, eventually, useTestEnvironment } from '@aap/test-harness';
import { createNotificationService } from '../service';
import { applicant, callSnapshot, dossierSnapshot, routedEventData, submittedData } from '../testing/fixtures';
import { startMailCatcher } from '../testing/mail-catcher';

const env = useTestEnvironment();

interface Timeline {
  dossierId: string;
  number?: string;
  view: 'applicant' | 'staff';
  entries: Array<{ eventId: string; type: string; source: string; occurredAt: string; summary: string; details: Record<string, unknown>; correlationId?: string }>;
}

describe('timeline: the history of a dossier, from every service, in order', () => {
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  let notification: RunningService;
  const organisation = applicant('216901231');
  const other = applicant('200046977');
  const callId = 'call-timeline-1';
  const story = routedEventData({ dossierId: 'dossier-t', number: 'AAP-2026-000777', callId, organisation });
  const published: Array<EventEnvelope> = [];

  const read = async (path: string, claims: Parameters<typeof authHeaders>[0]) => fetch(`${notification.url}${path}`, { headers: await authHeaders(claims) });
  const at = (day: number, hour = 9) => new Date(Date.UTC(2026, 2, day, hour)).toISOString();

  beforeAll(async () => {
    mail = await startMailCatcher();
    notification = await env.startService(createNotificationService({ SMTP_PORT: mail.port }));
    publisher = await eventPublisher(env);
    await publisher.publish(OrganisationRegistered, { organisation });
    await publisher.publish(OrganisationRegistered, { organisation: other });

    // Published out of order on purpose: the evaluation service's events first, then the
    // submission service's, then the call's. The timeline orders them by when they happened.
    const steps: Array<[string, string]> = [
      ['dossier.review-started.v2', at(10)],
      ['dossier.complement-requested.v2', at(12)],
      ['dossier.decision-reopened.v2', at(20)],
      ['dossier.accepted.v3', at(25)],
      ['dossier.draft-closing-soon.v2', at(2)],
      ['dossier.submitted.v2', at(5)],
      ['dossier.resubmitted.v2', at(15)],
    ];
    for (const [type, time] of steps) {
      published.push(await publisher.publish(catalogue.get(type) as EventDefinition, story[type as keyof typeof story] as never, { time }));
    }
    published.push(await publisher.publish(CallPublished, { call: callSnapshot(callId) }, { time: at(1) }));
    // A change of the call's team (same topic and key, so consumed before the extension): not a step of any dossier.
    const withClaire = callSnapshot(callId, { version: 2 });
    withClaire.team = { ...withClaire.team!, committee: [...withClaire.team!.committee, 'claire'] };
    await publisher.publish(CallTeamChanged, { call: withClaire, role: 'committee', member: 'claire', change: 'added' }, { time: at(3) });
    published.push(await publisher.publish(CallExtended, story['call.extended.v1'], { time: at(8) }));
    // Another dossier of another organisation on the same call: never in this dossier's timeline.
    await publisher.publish(DossierSubmitted, submittedData(dossierSnapshot('dossier-other', 'AAP-2026-000778', callId, other)), { time: at(6) });
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await mail?.stop();
  });

  it('lists every step from the submission and evaluation services (and the call’s) in the order they happened, for staff with every field', async () => {
    const timeline = await eventually(async () => {
      const response = await read('/dossiers/dossier-t/timeline', { roles: ['programme-manager'] });
      expect(response.status).toBe(200);
      const body = (await response.json()) as Timeline;
      expect(body.entries).toHaveLength(9);
      return body;
    });
    expect(timeline).toMatchObject({ dossierId: 'dossier-t', number: 'AAP-2026-000777', view: 'staff' });
    expect(timeline.entries.map((e) => [e.type, e.source])).toEqual([
      ['call.published.v1', 'submission'],
      ['dossier.draft-closing-soon.v2', 'submission'],
      ['dossier.submitted.v2', 'submission'],
      ['call.extended.v1', 'submission'],
      ['dossier.review-started.v2', 'evaluation'],
      ['dossier.complement-requested.v2', 'evaluation'],
      ['dossier.resubmitted.v2', 'submission'],
      ['dossier.decision-reopened.v2', 'evaluation'],
      ['dossier.accepted.v3', 'evaluation'],
    ]);
    const times = timeline.entries.map((e) => e.occurredAt);
    expect([...times].sort()).toEqual(times);
    // Staff see everything, internal fields included, with the correlation of each event.
    const reopened = timeline.entries.find((e) => e.type === 'dossier.decision-reopened.v2')!;
    expect(reopened.details).toMatchObject({ reason: 'Crédits libérés par un désistement (note interne).' });
    expect(reopened.correlationId).toBeDefined();
    expect(timeline.entries.find((e) => e.type === 'dossier.submitted.v2')!.details).toHaveProperty('dossier.budget.requestedGrantCents', 15_000_000);
    expect(timeline.entries.find((e) => e.type === 'dossier.accepted.v3')!.summary).toBe('Dossier retenu par le comité');
  });

  it('shows the applicant its own dossier through the allow-list only: no internal reason, no full snapshot', async () => {
    const response = await read('/dossiers/dossier-t/timeline', { roles: ['applicant'], org: organisation.organisationId });
    expect(response.status).toBe(200);
    const timeline = (await response.json()) as Timeline;
    expect(timeline.view).toBe('applicant');
    expect(timeline.entries).toHaveLength(9);
    const byType = Object.fromEntries(timeline.entries.map((e) => [e.type, e]));
    expect(byType['dossier.decision-reopened.v2']!.details).toEqual({});
    expect(byType['dossier.accepted.v3']!.details).toEqual({
      grantCents: 12_000_000,
      requestedGrantCents: 12_000_000,
      eligibleCostCents: 30_000_000,
      stateRateBps: 5_000,
      motivation: 'Projet structurant pour le territoire.',
    });
    expect(byType['dossier.submitted.v2']!.details).toEqual({
      number: 'AAP-2026-000777',
      submittedAt: '2026-03-02T10:15:00+01:00',
      contentHash: 'a'.repeat(64),
      title: 'Tiers-lieu de la gare',
    });
    expect(byType['dossier.complement-requested.v2']!.details).toMatchObject({ message: expect.stringContaining('plan de financement') });
    expect(JSON.stringify(timeline)).not.toContain('note interne');
    expect(timeline.entries.every((e) => e.correlationId === undefined)).toBe(true);
    // Staff can preview exactly what the applicant sees.
    const preview = (await (await read('/dossiers/dossier-t/timeline?view=applicant', { roles: ['admin'] })).json()) as Timeline;
    expect(preview.entries.map((e) => e.details)).toEqual(timeline.entries.map((e) => e.details));
  });

  it('an applicant cannot read another organisation’s timeline: 404, as for a dossier that does not exist', async () => {
    const asOther = { roles: ['applicant' as const], org: other.organisationId };
    for (const path of ['/dossiers/dossier-t/timeline', '/dossiers/dossier-t/timeline.csv']) {
      const response = await read(path, asOther);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await read('/dossiers/does-not-exist/timeline', { roles: ['admin'] })).status).toBe(404);
    // Staff of another call's team: the same 404.
    for (const role of ['programme-manager', 'committee', 'finance'] as const) {
      expect((await read('/dossiers/dossier-t/timeline', { roles: [role], sub: 'manager-of-another-call' })).status).toBe(404);
      expect((await read('/dossiers/dossier-t/timeline', { roles: [role] })).status).toBe(200);
    }
    expect((await fetch(`${notification.url}/dossiers/dossier-t/timeline`)).status).toBe(401);
    // The other organisation reads its own dossier: the call's events, not dossier-t's.
    const own = (await (await read('/dossiers/dossier-other/timeline', asOther)).json()) as Timeline;
    expect(own.entries.map((e) => e.type)).toEqual(['call.published.v1', 'dossier.submitted.v2', 'call.extended.v1']);
  });

  it('a redelivered event adds no second entry', async () => {
    const accepted = published.find((e) => e.type === 'dossier.accepted.v3')!;
    await env.database('notification').collection('processed_events').deleteOne({ _id: accepted.id as never });
    await publisher.redeliver(accepted, catalogue.get('dossier.accepted.v3')!);
    await eventually(async () => expect(await env.database('notification').collection('processed_events').countDocuments({ _id: accepted.id as never })).toBe(1));
    const timeline = (await (await read('/dossiers/dossier-t/timeline', { roles: ['admin'] })).json()) as Timeline;
    expect(timeline.entries.filter((e) => e.type === 'dossier.accepted.v3')).toHaveLength(1);
  });

  it('documents its HTTP API (OpenAPI) and its events (AsyncAPI)', async () => {
    const openapi = (await (await fetch(`${notification.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/dossiers/{dossierId}/timeline',
        '/dossiers/{dossierId}/timeline.csv',
        '/organisations/{organisationId}/inbox',
        '/organisations/{organisationId}/inbox/unread-count',
        '/organisations/{organisationId}/inbox/{notificationId}/read',
        '/organisations/{organisationId}/preferences',
        '/webhooks',
        '/webhooks/{webhookId}',
        '/webhooks/{webhookId}/deliveries',
        '/webhooks/{webhookId}/deliveries/{deliveryId}/replay',
        '/deliveries',
      ]),
    );
    expect((await fetch(`${notification.url}/asyncapi.json`)).status).toBe(200);
  });

  it('exports as CSV, in the reader’s view', async () => {
    const staff = await read('/dossiers/dossier-t/timeline.csv', { roles: ['programme-manager'] });
    expect(staff.status).toBe(200);
    expect(staff.headers.get('content-type')).toContain('text/csv');
    expect(staff.headers.get('content-disposition')).toBe('attachment; filename="timeline-AAP-2026-000777.csv"');
    const csv = await staff.text();
    const lines = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('occurredAt,source,type,summary,details,eventId');
    expect(lines).toHaveLength(10);
    expect(lines[1]).toMatch(/^2026-03-01T09:00:00.000Z,submission,call.published.v1,Appel à projets publié,/);
    expect(csv).toContain('note interne');

    const applicantCsv = await (await read('/dossiers/dossier-t/timeline.csv', { roles: ['applicant'], org: organisation.organisationId })).text();
    expect(applicantCsv.trimEnd().split('\r\n')).toHaveLength(10);
    expect(applicantCsv).not.toContain('note interne');
  });
});
