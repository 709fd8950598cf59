import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierSubmitted } from '@aap/contracts';
import { newEvent } from '@aap/messaging';
import type { RunningService } from '@aap/service-runtime';
import { authHeaders, eventPublisher, eventually, useTestEnvironment } from '@aap/test-harness';
import { createNotificationService } from '../service';
import { applicant, dossierSnapshot, submittedData } from '../testing/fixtures';
import { handled, publisherOnceRegistered, settledDeliveries } from '../testing/known-points';
import { startMailCatcher } from '../testing/mail-catcher';
import { startReceiver } from '../testing/webhook-receiver';

const env = useTestEnvironment();

interface StoredDelivery {
  _id: string;
  status: string;
  attempts: number;
  eventId: string;
  log: Array<{ outcome: string }>;
}

/**
 * Two notification instances on one database and one consumer group, each with a scheduler ticking
 * every 100 ms and a claim of 1.5 s: the immediate path of one races the scheduler of the other on
 * every delivery. What a receiver got is read once both instances stopped (their attempts in progress
 * finished): nothing can send anything any more, so it is all it will ever get.
 */
describe('deliveries claimed once across two instances', () => {
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let slow: Awaited<ReturnType<typeof startReceiver>>;
  let instances: RunningService[] = [];
  const organisation = applicant('216901231', { contacts: [] });
  const deliveries = () => env.database('notification').collection<StoredDelivery>('deliveries');
  const settings = () => ({ SMTP_PORT: mail.port, WEBHOOK_ALLOWED_HOSTS: ['127.0.0.1'], DELIVERY_CLAIM_MS: 1_500, WEBHOOK_TIMEOUT_MS: 10_000, DELIVERY_RETRY_BASE_MS: 200 });
  const startInstances = async () => {
    instances = [];
    for (let i = 0; i < 2; i++) instances.push(await env.startService(createNotificationService(settings()), { SCHEDULER_INTERVAL_MS: '100' }));
  };
  const stopInstances = () => Promise.all(instances.map((instance) => instance.stop()));
  const subscribe = async (url: string) => {
    const created = await fetch(`${instances[0]!.url}/webhooks`, {
      method: 'POST',
      headers: await authHeaders({ roles: ['applicant'], org: organisation.organisationId }),
      body: JSON.stringify({ url, eventTypes: ['dossier.submitted.v2'] }),
    });
    expect(created.status).toBe(201);
    return ((await created.json()) as { webhookId: string }).webhookId;
  };
  const submit = (n: number) => publisher.publish(DossierSubmitted, submittedData(dossierSnapshot(`dossier-c${n}`, `AAP-2026-${String(n).padStart(6, '0')}`, 'call-c', organisation)));
  const requestsOf = (eventId: string, from: Awaited<ReturnType<typeof startReceiver>>) => from.received.filter((r) => r.headers['webhook-id'] === eventId);

  beforeAll(async () => {
    mail = await startMailCatcher();
    receiver = await startReceiver([200]);
    // Answers after 5 s: more than three claims of 1.5 s.
    slow = await startReceiver([200], { delayMs: 5_000 });
    await startInstances();
    publisher = await publisherOnceRegistered(env, organisation);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await receiver?.close();
    await slow?.close();
    await mail?.stop();
  });

  it('given both instances consuming and both schedulers ticking, when 20 events come, then each webhook is delivered once', async () => {
    const webhookId = await subscribe(receiver.url);
    const events = [];
    for (let n = 1; n <= 20; n++) events.push(await submit(n));
    // Handled: every delivery of the events is recorded; then settled: each sent or failed for good.
    for (const event of events) await handled(env, event.id, { timeoutMs: 60_000 });
    await settledDeliveries(env, { eventId: { $in: events.map((e) => e.id) } }, { timeoutMs: 60_000 });
    await stopInstances();

    expect(receiver.received.map((r) => r.headers['webhook-id']).sort()).toEqual(events.map((e) => e.id).sort());
    const stored = await deliveries().find({ eventId: { $in: events.map((e) => e.id) } }).toArray();
    expect(stored.map((d) => d._id).sort()).toEqual(events.map((e) => `${e.id}:${webhookId}`).sort());
    for (const delivery of stored) expect(delivery.log.filter((entry) => entry.outcome === 'sent'), delivery._id).toHaveLength(1);
  });

  it('given a receiver slower than the claim, when it is sent, then its holder renews the claim and the other instance never sends it again', async () => {
    await startInstances();
    const webhookId = await subscribe(slow.url);
    const event = await submit(30);
    await handled(env, event.id);
    const [delivery] = await settledDeliveries(env, { _id: `${event.id}:${webhookId}` }, { timeoutMs: 30_000 });
    await stopInstances();

    expect(requestsOf(event.id, slow)).toHaveLength(1);
    expect(delivery).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('given a delivery claimed by an instance that crashed, when its lease runs out, then a scheduler takes it back and sends it once', async () => {
    await startInstances();
    const webhookId = await subscribe(receiver.url);
    const { envelope } = newEvent('submission', DossierSubmitted, submittedData(dossierSnapshot('dossier-crashed', 'AAP-2026-000040', 'call-c', organisation)));
    const deliveryId = `${envelope.id}:${webhookId}`;
    const now = new Date();
    // As a holder left it when it died between its claim and its send.
    await deliveries().insertOne({
      _id: deliveryId,
      channel: 'webhook',
      status: 'sending',
      eventId: envelope.id,
      eventType: envelope.type,
      organisationId: organisation.organisationId,
      webhook: { subscriptionId: webhookId, envelope },
      attempts: 0,
      nextAttemptAt: now,
      leaseUntil: new Date(now.getTime() + 300),
      claimToken: 'claim-of-a-crashed-instance',
      log: [],
      createdAt: now,
      version: 2,
    } as never);

    const [taken] = await settledDeliveries(env, { _id: deliveryId }, { timeoutMs: 30_000 });
    await stopInstances();

    expect(requestsOf(envelope.id, receiver)).toHaveLength(1);
    expect(taken).toMatchObject({ status: 'sent', attempts: 1 });
  });
});
