import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierAccepted, DossierSubmitted, OrganisationRegistered } from '@aap/contracts';
import type { RunningService } from '@aap/service-runtime';
import { authHeaders, eventually, useTestEnvironment } from '@aap/test-harness';
import { createNotificationService } from '../service';
import { applicant, dossierSnapshot, routedEventData } from '../testing/fixtures';
import { startMailCatcher } from '../testing/mail-catcher';
import { eventPublisher } from '../testing/publisher';
import { verify } from './signature';

const env = useTestEnvironment();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A webhook receiver on 127.0.0.1 answering each request with the next status of `statuses` (the last one repeats). */
async function startReceiver(statuses: number[]): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answered = statuses[Math.min(received.length, statuses.length - 1)]!;
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      response.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'receiver down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/aap`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Delivery {
  deliveryId: string;
  status: string;
  attempts: number;
  eventType: string;
  lastError?: string;
  log: Array<{ attempt: number; outcome: string; statusCode?: number }>;
}

describe('webhooks: signed CloudEvents, retried with backoff, logged and replayable', () => {
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let publisher: Awaited<ReturnType<typeof eventPublisher>>;
  let notification: RunningService;
  let flaky: Awaited<ReturnType<typeof startReceiver>>;
  let broken: Awaited<ReturnType<typeof startReceiver>>;
  const organisation = applicant('216901231');
  const other = applicant('200046977');
  const asApplicant = { roles: ['applicant' as const], org: organisation.organisationId };
  const asOther = { roles: ['applicant' as const], org: other.organisationId };

  const call = async (method: string, path: string, claims: Parameters<typeof authHeaders>[0], body?: unknown) =>
    fetch(`${notification.url}${path}`, { method, headers: await authHeaders(claims), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  beforeAll(async () => {
    mail = await startMailCatcher();
    flaky = await startReceiver([500, 500, 200]);
    broken = await startReceiver([503]);
    notification = await env.startService(
      // The receivers listen on 127.0.0.1: admitted by the operator allow-list, as a local demo would be.
      createNotificationService({ SMTP_PORT: mail.port, DELIVERY_MAX_ATTEMPTS: 4, DELIVERY_RETRY_BASE_MS: 200, DELIVERY_RETRY_MAX_MS: 1_000, WEBHOOK_ALLOWED_HOSTS: ['127.0.0.1'] }),
    );
    publisher = await eventPublisher(env);
    await publisher.publish(OrganisationRegistered, { organisation });
    await publisher.publish(OrganisationRegistered, { organisation: other });
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await flaky?.close();
    await broken?.close();
    await mail?.stop();
  });

  let webhookId: string;
  let secret: string;

  it('registers a webhook for the organisation’s events and shows its secret once', async () => {
    const created = await call('POST', '/webhooks', asApplicant, { url: flaky.url, eventTypes: ['dossier.accepted.v1'], description: 'Notre GRC' });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { webhookId: string; secret: string; organisationId: string; scope: string };
    expect(body).toMatchObject({ organisationId: organisation.organisationId, scope: 'organisation', eventTypes: ['dossier.accepted.v1'] });
    expect(body.secret).toMatch(/^whsec_/);
    ({ webhookId, secret } = body);

    const listed = (await (await call('GET', '/webhooks', asApplicant)).json()) as { items: Array<Record<string, unknown>> };
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).not.toHaveProperty('secret');
    expect(((await (await call('GET', '/webhooks', asOther)).json()) as { items: unknown[] }).items).toHaveLength(0);
  });

  it('refuses a non-http URL, and event types an organisation may not subscribe to', async () => {
    const ftp = await call('POST', '/webhooks', asApplicant, { url: 'ftp://example.fr/hook', eventTypes: ['dossier.accepted.v1'] });
    expect(ftp.status).toBe(400);
    expect(((await ftp.json()) as { errors: Array<{ name: string }> }).errors).toEqual([expect.objectContaining({ name: 'url' })]);
    const types = await call('POST', '/webhooks', asApplicant, { url: flaky.url, eventTypes: ['dossier.accepted.v1', 'organisation.registered.v1', 'nope.v1'] });
    expect(types.status).toBe(422);
    expect(((await types.json()) as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer)).toEqual(['#/eventTypes/1', '#/eventTypes/2']);
    expect((await call('POST', '/webhooks', { roles: ['reviewer'] }, { url: flaky.url, eventTypes: ['dossier.accepted.v1'] })).status).toBe(403);
  });

  it('a receiver failing twice then succeeding gets the event once, with a valid signature at each attempt', async () => {
    const story = routedEventData({ dossierId: 'dossier-w', number: 'AAP-2026-000900', callId: 'call-w', organisation });
    await publisher.publish(DossierSubmitted, story['dossier.submitted.v1']); // not subscribed: not sent
    const accepted = await publisher.publish(DossierAccepted, story['dossier.accepted.v1']);

    await eventually(() => expect(flaky.received.map((r) => r.answered)).toEqual([500, 500, 200]), { timeoutMs: 20_000 });
    await sleep(1_500); // backoff would have brought a 4th attempt by now
    expect(flaky.received).toHaveLength(3);

    for (const { headers, body } of flaky.received) {
      expect(headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
      expect(headers['webhook-id']).toBe(accepted.id);
      expect(verify(secret, headers, body)).toEqual({ ok: true });
      // A forged body, or the right body with another secret, does not verify.
      expect(verify(secret, headers, body.replace('12000000', '99000000'))).toEqual({ ok: false, reason: 'bad-signature' });
      expect(verify('whsec_' + Buffer.alloc(32, 1).toString('base64'), headers, body)).toEqual({ ok: false, reason: 'bad-signature' });
    }
    // The event in CloudEvents structured mode: the whole envelope with its data.
    expect(JSON.parse(flaky.received[2]!.body)).toMatchObject({
      specversion: '1.0',
      id: accepted.id,
      type: 'dossier.accepted.v1',
      source: '/aap/evaluation',
      subject: 'dossier-w',
      datacontenttype: 'application/json',
      correlationid: accepted.correlationid,
      data: { dossierId: 'dossier-w', grantCents: 12_000_000 },
    });
    // Timestamps are those of each attempt, in unix seconds.
    const stamps = flaky.received.map((r) => Number(r.headers['webhook-timestamp']));
    expect(stamps.every((s) => Math.abs(s - Date.now() / 1000) < 60)).toBe(true);

    const log = await eventually(async () => {
      const page = (await (await call('GET', `/webhooks/${webhookId}/deliveries`, asApplicant)).json()) as { items: Delivery[] };
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({ status: 'sent', attempts: 3, eventType: 'dossier.accepted.v1' });
      return page.items[0]!;
    });
    expect(log.log.map((l) => [l.outcome, l.statusCode])).toEqual([
      ['failed', 500],
      ['failed', 500],
      ['sent', 200],
    ]);
  });

  it('replays a delivery on request: the same event and webhook-id, a fresh signature', async () => {
    const [delivery] = ((await (await call('GET', `/webhooks/${webhookId}/deliveries`, asApplicant)).json()) as { items: Delivery[] }).items;
    expect((await call('POST', `/webhooks/${webhookId}/deliveries/${encodeURIComponent(delivery!.deliveryId)}/replay`, asOther)).status).toBe(404);
    const replay = await call('POST', `/webhooks/${webhookId}/deliveries/${encodeURIComponent(delivery!.deliveryId)}/replay`, asApplicant);
    expect(replay.status).toBe(202);
    expect(await replay.json()).toMatchObject({ status: 'pending', attempts: 0 });
    await eventually(() => expect(flaky.received).toHaveLength(4));
    const again = flaky.received[3]!;
    expect(again.headers['webhook-id']).toBe(flaky.received[0]!.headers['webhook-id']);
    expect(again.body).toBe(flaky.received[0]!.body);
    expect(verify(secret, again.headers, again.body)).toEqual({ ok: true });
    await eventually(async () => {
      const [after] = ((await (await call('GET', `/webhooks/${webhookId}/deliveries`, asApplicant)).json()) as { items: Delivery[] }).items;
      expect(after).toMatchObject({ status: 'sent', attempts: 1 });
      expect(after!.log.map((l) => l.outcome)).toEqual(['failed', 'failed', 'sent', 'replay-requested', 'sent']);
    });
  });

  it('a back-office webhook receives every organisation’s events; a delivery failing for good is listed as failed', async () => {
    const admin = { roles: ['admin' as const] };
    const created = await call('POST', '/webhooks', admin, { url: broken.url, eventTypes: ['dossier.submitted.v1', 'organisation.registered.v1'] });
    expect(created.status).toBe(201);
    const backOffice = (await created.json()) as { webhookId: string; scope: string };
    expect(backOffice.scope).toBe('back-office');

    await publisher.publish(DossierSubmitted, { dossier: dossierSnapshot('dossier-x', 'AAP-2026-000901', 'call-w', other) });
    // 4 attempts (DELIVERY_MAX_ATTEMPTS), then failed for good; nothing more is sent.
    await eventually(() => expect(broken.received).toHaveLength(4), { timeoutMs: 20_000 });
    const failed = await eventually(async () => {
      const page = (await (await call('GET', '/deliveries?status=failed&channel=webhook', admin)).json()) as { items: Delivery[]; total: number };
      expect(page.total).toBe(1);
      return page.items[0]!;
    });
    expect(failed).toMatchObject({ status: 'failed', attempts: 4, eventType: 'dossier.submitted.v1', lastError: expect.stringContaining('503') });
    await sleep(1_000);
    expect(broken.received).toHaveLength(4);
    expect(JSON.parse(broken.received[0]!.body)).toMatchObject({ type: 'dossier.submitted.v1', data: { dossier: { applicant: { organisationId: other.organisationId } } } });
    // Attempts were spaced by the backoff (200 ms, 400 ms, 800 ms: at least 1.4 s in all).
    const firstToLast = Number(broken.received[3]!.headers['webhook-timestamp']) - Number(broken.received[0]!.headers['webhook-timestamp']);
    expect(firstToLast).toBeGreaterThanOrEqual(1);
    // Visible in the webhook's own log too; the applicant sees neither the back-office webhook nor its log.
    expect(((await (await call('GET', `/webhooks/${backOffice.webhookId}/deliveries?status=failed`, admin)).json()) as { total: number }).total).toBe(1);
    expect((await call('GET', `/webhooks/${backOffice.webhookId}/deliveries`, asOther)).status).toBe(404);
    expect((await call('GET', '/deliveries', asOther)).status).toBe(403);
  });

  it('deleting a webhook stops its deliveries; another organisation cannot delete it', async () => {
    expect((await call('DELETE', `/webhooks/${webhookId}`, asOther)).status).toBe(404);
    expect((await call('DELETE', `/webhooks/${webhookId}`, asApplicant)).status).toBe(204);
    const before = flaky.received.length;
    const story = routedEventData({ dossierId: 'dossier-z', number: 'AAP-2026-000902', callId: 'call-w', organisation });
    await publisher.publish(DossierSubmitted, story['dossier.submitted.v1']);
    await publisher.publish(DossierAccepted, story['dossier.accepted.v1']);
    await eventually(async () => expect((await mail.mails()).filter((m) => m.subject.includes('AAP-2026-000902'))).toHaveLength(4));
    await sleep(500);
    expect(flaky.received).toHaveLength(before);
    expect(((await (await call('GET', '/webhooks', asApplicant)).json()) as { items: unknown[] }).items).toHaveLength(0);
  });
});
