import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierSubmitted, OrganisationRegistered } from '@aap/contracts';
import type { RunningService } from '@aap/service-runtime';
import { authHeaders, eventPublisher, eventually, useTestEnvironment } from '@aap/test-harness';
import { createNotificationService } from '../service';
import { applicant, dossierSnapshot, submittedData } from '../testing/fixtures';
import { startMailCatcher } from '../testing/mail-catcher';
import { handled, publisherOnceRegistered, settledDeliveries } from '../testing/known-points';
import { startReceiver } from '../testing/webhook-receiver';

const env = useTestEnvironment();

interface StoredDelivery {
  _id: string;
  channel: 'email' | 'webhook';
  status: string;
  attempts: number;
  eventId: string;
  nextAttemptAt: Date;
  log: Array<{ attempt: number; outcome: string; statusCode?: number }>;
}

describe('deliveries: sent as soon as recorded; the scheduler retries', () => {
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let flaky: Awaited<ReturnType<typeof startReceiver>>;
  let notification: RunningService;
  const organisation = applicant('216901231');
  const asApplicant = { roles: ['applicant' as const], org: organisation.organisationId };
  const deliveries = () => env.database('notification').collection<StoredDelivery>('deliveries');
  const settings = () => ({ SMTP_PORT: mail.port, WEBHOOK_ALLOWED_HOSTS: ['127.0.0.1'], DELIVERY_RETRY_BASE_MS: 200, DELIVERY_RETRY_MAX_MS: 1_000 });
  const subscribe = async (url: string) => {
    const created = await fetch(`${notification.url}/webhooks`, {
      method: 'POST',
      headers: await authHeaders(asApplicant),
      body: JSON.stringify({ url, eventTypes: ['dossier.submitted.v2'] }),
    });
    expect(created.status).toBe(201);
    return ((await created.json()) as { webhookId: string }).webhookId;
  };
  const submit = (n: number) => publisher.publish(DossierSubmitted, submittedData(dossierSnapshot(`dossier-d${n}`, `AAP-2026-${String(n).padStart(6, '0')}`, 'call-d', organisation)));

  beforeAll(async () => {
    mail = await startMailCatcher();
    receiver = await startReceiver([200]);
    flaky = await startReceiver([500, 200]);
    // No scheduler tick during this part of the file: whatever is sent was sent by the immediate path.
    notification = await env.startService(createNotificationService(settings()), { SCHEDULER_INTERVAL_MS: '3600000' });
    publisher = await publisherOnceRegistered(env, organisation);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await receiver?.close();
    await flaky?.close();
    await mail?.stop();
  });

  it('an e-mail and a webhook go out on their first attempt as soon as recorded, with the scheduler an hour away', async () => {
    const webhookId = await subscribe(receiver.url);
    const submitted = await submit(1);

    await eventually(async () => {
      expect(receiver.received).toHaveLength(1);
      expect((await mail.mails()).filter((m) => m.subject.includes('AAP-2026-000001'))).toHaveLength(2); // both contacts
    });
    expect(receiver.received[0]!.headers['webhook-id']).toBe(submitted.id);

    // Sent by the immediate path: the scheduler has not ticked (its first tick is an hour after the start).
    const sent = await eventually(async () => {
      const stored = await deliveries().find({ eventId: submitted.id }).toArray();
      expect(stored.map((d) => [d.channel, d.status, d.attempts]).sort()).toEqual([['email', 'sent', 1], ['email', 'sent', 1], ['webhook', 'sent', 1]]);
      return stored;
    });
    expect(sent.find((d) => d.channel === 'webhook')!._id).toBe(`${submitted.id}:${webhookId}`);
  });

  it('a failed first attempt waits for the scheduler: nothing else sends it again, and the next scheduler tick does', async () => {
    const flakyId = await subscribe(flaky.url);
    const submitted = await submit(2);
    const deliveryId = `${submitted.id}:${flakyId}`;
    await eventually(() => expect(flaky.received.map((r) => r.answered)).toEqual([500]), { timeoutMs: 5_000 });
    await eventually(async () =>
      expect(await deliveries().findOne({ _id: deliveryId })).toMatchObject({ status: 'pending', attempts: 1, log: [expect.objectContaining({ outcome: 'failed', statusCode: 500 })] }),
    );
    // Its backoff (200 ms) passes; then a later event goes through the consumer and the immediate path
    // to the end. The due retry is still untouched: retries are the scheduler's, and it has not ticked.
    const retry = await deliveries().findOne({ _id: deliveryId });
    await eventually(() => expect(Date.now()).toBeGreaterThan(retry!.nextAttemptAt.getTime()));
    const bystander = applicant('200046977', { contacts: [{ name: 'Témoin', email: 'temoin@bugey-test.fr' }] });
    await publisher.publish(OrganisationRegistered, { organisation: bystander });
    const later = await publisher.publish(DossierSubmitted, submittedData(dossierSnapshot('dossier-later', 'AAP-2026-000003', 'call-d', bystander)));
    await handled(env, later.id);
    await settledDeliveries(env, { eventId: later.id });
    expect((await mail.mails()).filter((m) => m.to.includes('temoin@bugey-test.fr'))).toHaveLength(1);
    expect(flaky.received).toHaveLength(1);
    expect(await deliveries().findOne({ _id: deliveryId })).toMatchObject({ status: 'pending', attempts: 1 });

    // The same database with a scheduler that ticks: it finds the due retry and sends it.
    await notification.stop();
    notification = await env.startService(createNotificationService(settings()), { SCHEDULER_INTERVAL_MS: '100' });
    await eventually(() => expect(flaky.received.map((r) => r.answered)).toEqual([500, 200]), { timeoutMs: 10_000 });
    expect(flaky.received[1]!.headers['webhook-id']).toBe(submitted.id);
    await eventually(async () => expect(await deliveries().findOne({ _id: deliveryId })).toMatchObject({ status: 'sent', attempts: 2 }));
  });

  it('the immediate path and a scheduler ticking every 100 ms never send one delivery twice', async () => {
    const before = receiver.received.length;
    const events = [];
    for (let n = 10; n < 30; n++) events.push(await submit(n));
    // A generous deadline: 80 deliveries on a loaded 2-core machine (speed is the bench's business).
    await eventually(() => expect(receiver.received.length - before).toBeGreaterThanOrEqual(events.length), { timeoutMs: 60_000 });
    // Every delivery settled, then the service stopped (its attempts in progress finished): nothing
    // can send anything any more, so what the receivers got is all they will ever get.
    await settledDeliveries(env, { eventId: { $in: events.map((e) => e.id) } });
    await notification.stop();
    const ids = receiver.received.slice(before).map((r) => r.headers['webhook-id']);
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
    const mails = (await mail.mails()).filter((m) => /AAP-2026-0000(1\d|2\d)$/.test(m.subject));
    expect(mails).toHaveLength(events.length * 2);
    const stored = await deliveries().find({ eventId: { $in: events.map((e) => e.id) } }).toArray();
    expect(stored).toHaveLength(events.length * 4); // 2 e-mails and 2 webhooks (the second subscription's receiver answers 200 now) per event
    for (const delivery of stored) expect(delivery.log.filter((entry) => entry.outcome === 'sent'), delivery._id).toHaveLength(1);
  });
});
