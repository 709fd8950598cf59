import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallExtended, DossierSubmitted } from '@aap/contracts';
import type { RunningService } from '@aap/service-runtime';
import { authHeaders, eventPublisher, eventually, useTestEnvironment } from '@aap/test-harness';
import { createNotificationService } from './service';
import { applicant, callSnapshot, dossierSnapshot, submittedData } from './testing/fixtures';
import { startMailCatcher } from './testing/mail-catcher';
import { startReceiver } from './testing/webhook-receiver';

const env = useTestEnvironment();

/**
 * Documents written by the version before the equality flags (`active`/`scope`, `unread`, `open`)
 * are found by the new lookups once the service has started on their database.
 */
describe('upgrades: documents written before the equality flags', () => {
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  let notification: RunningService;
  const organisation = applicant('216901231');
  const other = applicant('200046977');
  const asApplicant = { roles: ['applicant' as const], org: organisation.organisationId };
  const call = async (method: string, path: string) => fetch(`${notification.url}${path}`, { method, headers: await authHeaders(asApplicant) });

  beforeAll(async () => {
    mail = await startMailCatcher();
    receiver = await startReceiver([200]);
    const db = env.database('notification');
    const createdAt = new Date('2026-01-10T09:00:00Z');
    await db.collection<{ _id: string }>('webhook_subscriptions').insertMany([
      { _id: 'legacy-live', organisationId: organisation.organisationId, url: receiver.url, eventTypes: ['dossier.submitted.v1'], secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`, createdBy: 'u1', createdAt },
      { _id: 'legacy-deleted', organisationId: organisation.organisationId, url: receiver.url, eventTypes: ['dossier.submitted.v1'], secret: `whsec_${Buffer.alloc(32, 8).toString('base64')}`, createdBy: 'u1', createdAt, deletedAt: createdAt },
    ] as never);
    const item = { organisationId: organisation.organisationId, eventType: 'dossier.submitted.v1', category: 'dossier-status', subject: 'Accusé', body: '…', occurredAt: createdAt, createdAt };
    await db.collection<{ _id: string }>('inbox').insertMany([
      { _id: 'e1:org', eventId: 'e1', ...item },
      { _id: 'e2:org', eventId: 'e2', ...item, readAt: createdAt, readBy: 'u1' },
    ] as never);
    await db.collection<{ _id: string }>('directory_dossiers').insertMany([
      { _id: 'legacy-open', organisationId: organisation.organisationId, callId: 'call-u', waveId: 'w1', status: 'submitted', statusAsOf: createdAt },
      { _id: 'legacy-withdrawn', organisationId: other.organisationId, callId: 'call-u', waveId: 'w1', status: 'withdrawn', statusAsOf: createdAt },
    ] as never);
    // Both organisations known: only the `open` flag decides who hears about the call.
    await db.collection<{ _id: string }>('directory_organisations').insertMany(
      [organisation, other].map((o) => ({ _id: o.organisationId, name: o.name, contacts: o.contacts, asOf: createdAt })) as never,
    );

    notification = await env.startService(createNotificationService({ SMTP_PORT: mail.port, WEBHOOK_ALLOWED_HOSTS: ['127.0.0.1'] }));
    publisher = await eventPublisher(env);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await receiver?.close();
    await mail?.stop();
  });

  it('an older unread item counts as unread, an older read one does not', async () => {
    expect(await (await call('GET', `/organisations/${organisation.organisationId}/inbox/unread-count`)).json()).toEqual({ organisationId: organisation.organisationId, unread: 1 });
    const unread = (await (await call('GET', `/organisations/${organisation.organisationId}/inbox?unread=true`)).json()) as { items: Array<{ notificationId: string }> };
    expect(unread.items.map((i) => i.notificationId)).toEqual(['e1:org']);
  });

  it('an older live subscription is listed and receives its events; an older deleted one neither', async () => {
    const listed = (await (await call('GET', '/webhooks')).json()) as { items: Array<{ webhookId: string }> };
    expect(listed.items.map((w) => w.webhookId)).toEqual(['legacy-live']);
    const submitted = await publisher.publish(DossierSubmitted, submittedData(dossierSnapshot('dossier-u', 'AAP-2026-000700', 'call-u', organisation)));
    await eventually(() => expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([submitted.id]));
    // Its replay window was written too: a replay is admitted (a missing window would refuse it).
    await eventually(async () => {
      const log = (await (await call('GET', '/webhooks/legacy-live/deliveries')).json()) as { items: Array<{ status: string }> };
      expect(log.items.map((d) => d.status)).toEqual(['sent']);
    });
    expect((await call('POST', `/webhooks/legacy-live/deliveries/${encodeURIComponent(`${submitted.id}:legacy-live`)}/replay`)).status).toBe(202);
    await eventually(() => expect(receiver.received).toHaveLength(2));
  });

  it('an older open dossier entry is told about its call; an older withdrawn one is not', async () => {
    await publisher.publish(CallExtended, { call: { ...callSnapshot('call-u'), version: 2 }, reason: 'Forte demande', previousClosesAt: callSnapshot('call-u').closesAt });
    await eventually(async () => {
      const inbox = (await (await call('GET', `/organisations/${organisation.organisationId}/inbox`)).json()) as { items: Array<{ eventType: string }> };
      expect(inbox.items.map((i) => i.eventType)).toContain('call.extended.v1');
    });
    const told = await env.database('notification').collection('inbox').find({ eventType: 'call.extended.v1' }).toArray();
    expect(told.map((i) => i.organisationId)).toEqual([organisation.organisationId]);
  });
});
