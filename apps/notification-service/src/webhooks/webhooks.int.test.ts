import { createServer } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DossierAccepted, DossierDecisionReopened, DossierSubmitted, OrganisationRegistered } from '@aap/contracts';
import type { RunningService } from '@aap/service-runtime';
import { authHeaders, eventPublisher, eventually, useTestEnvironment } from '@aap/test-harness';
import { createNotificationService } from '../service';
import { applicant, dossierSnapshot, routedEventData, submittedData } from '../testing/fixtures';
import { handled, settledDeliveries } from '../testing/known-points';
import { startMailCatcher } from '../testing/mail-catcher';
import { startReceiver as startReceiverAt } from '../testing/webhook-receiver';
import { verify } from './signature';
import { systemResolver, type HostResolver } from './target-policy';

const env = useTestEnvironment();

/**
 * The service resolves host names through this (there is no internet here, and /etc/hosts is not
 * the tests'): a name set here resolves to the given addresses, an empty list does not resolve,
 * any other name goes to the system resolver (`localhost.` really resolves).
 */
const names = new Map<string, string[]>();
const resolutions: string[] = [];
const resolveHost: HostResolver = async (hostname) => {
  resolutions.push(hostname);
  const addresses = names.get(hostname);
  if (!addresses) return systemResolver(hostname);
  if (addresses.length === 0) throw Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: isIP(address) }));
};
/** The receivers' name: it resolves to 127.0.0.1 and is on the operator allow-list, as a local demo's receiver would be. */
const RECEIVERS = 'receivers.test';
names.set(RECEIVERS, ['127.0.0.1']);
const PUBLIC_ADDRESS = '93.184.215.14';

/** A receiver reached through RECEIVERS (see testing/webhook-receiver.ts). */
const startReceiver = (statuses: number[], answerBody?: (status: number) => string) => startReceiverAt(statuses, { host: RECEIVERS, ...(answerBody ? { answerBody } : {}) });

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
      createNotificationService(
        {
          SMTP_PORT: mail.port,
          DELIVERY_MAX_ATTEMPTS: 4,
          DELIVERY_RETRY_BASE_MS: 200,
          DELIVERY_RETRY_MAX_MS: 1_000,
          WEBHOOK_ALLOWED_HOSTS: [RECEIVERS],
          WEBHOOK_MAX_PER_ORGANISATION: 3,
          WEBHOOK_REPLAYS_PER_MINUTE: 2,
          WEBHOOK_TIMEOUT_MS: 1_500,
        },
        { resolveHost },
      ),
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
    const created = await call('POST', '/webhooks', asApplicant, { url: flaky.url, eventTypes: ['dossier.accepted.v3'], description: 'Notre GRC' });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { webhookId: string; secret: string; organisationId: string; scope: string };
    expect(body).toMatchObject({ organisationId: organisation.organisationId, scope: 'organisation', eventTypes: ['dossier.accepted.v3'] });
    expect(body.secret).toMatch(/^whsec_/);
    ({ webhookId, secret } = body);

    const listed = (await (await call('GET', '/webhooks', asApplicant)).json()) as { items: Array<Record<string, unknown>> };
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).not.toHaveProperty('secret');
    expect(((await (await call('GET', '/webhooks', asOther)).json()) as { items: unknown[] }).items).toHaveLength(0);
  });

  it('refuses a non-http URL, and event types an organisation may not subscribe to', async () => {
    const ftp = await call('POST', '/webhooks', asApplicant, { url: 'ftp://example.fr/hook', eventTypes: ['dossier.accepted.v3'] });
    expect(ftp.status).toBe(400);
    expect(((await ftp.json()) as { errors: Array<{ name: string }> }).errors).toEqual([expect.objectContaining({ name: 'url' })]);
    const types = await call('POST', '/webhooks', asApplicant, { url: flaky.url, eventTypes: ['dossier.accepted.v3', 'organisation.registered.v1', 'nope.v1'] });
    expect(types.status).toBe(422);
    expect(((await types.json()) as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer)).toEqual(['#/eventTypes/1', '#/eventTypes/2']);
    expect((await call('POST', '/webhooks', { roles: ['reviewer'] }, { url: flaky.url, eventTypes: ['dossier.accepted.v3'] })).status).toBe(403);
  });

  it('a receiver failing twice then succeeding gets the event once, with a valid signature at each attempt', async () => {
    const story = routedEventData({ dossierId: 'dossier-w', number: 'AAP-2026-000900', callId: 'call-w', organisation });
    await publisher.publish(DossierSubmitted, story['dossier.submitted.v2']); // not subscribed: not sent
    const accepted = await publisher.publish(DossierAccepted, story['dossier.accepted.v3']);

    await eventually(() => expect(flaky.received.map((r) => r.answered)).toEqual([500, 500, 200]), { timeoutMs: 20_000 });
    // Sent is settled: no claim, hence no 4th attempt, can follow.
    await settledDeliveries(env, { eventId: accepted.id });
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
      type: 'dossier.accepted.v3',
      source: '/aap/evaluation',
      subject: 'dossier-w',
      datacontenttype: 'application/json',
      correlationid: accepted.correlationid,
      data: { dossierId: 'dossier-w', grantCents: 12_000_000 },
    });
    // Timestamps are those of each attempt, in unix seconds: from the event's publication on, in attempt order.
    const stamps = flaky.received.map((r) => Number(r.headers['webhook-timestamp']));
    expect(stamps.every((stamp) => Number.isInteger(stamp) && stamp >= Math.floor(Date.parse(accepted.time) / 1000))).toBe(true);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);

    const log = await eventually(async () => {
      const page = (await (await call('GET', `/webhooks/${webhookId}/deliveries`, asApplicant)).json()) as { items: Delivery[] };
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({ status: 'sent', attempts: 3, eventType: 'dossier.accepted.v3' });
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
    const created = await call('POST', '/webhooks', admin, { url: broken.url, eventTypes: ['dossier.submitted.v2', 'organisation.registered.v1'] });
    expect(created.status).toBe(201);
    const backOffice = (await created.json()) as { webhookId: string; scope: string };
    expect(backOffice.scope).toBe('back-office');

    const submitted = await publisher.publish(DossierSubmitted, submittedData(dossierSnapshot('dossier-x', 'AAP-2026-000901', 'call-w', other)));
    // 4 attempts (DELIVERY_MAX_ATTEMPTS), then failed for good; nothing more is sent.
    await eventually(() => expect(broken.received).toHaveLength(4), { timeoutMs: 20_000 });
    const failed = await eventually(async () => {
      const page = (await (await call('GET', '/deliveries?status=failed&channel=webhook', admin)).json()) as { items: Delivery[]; total: number };
      expect(page.total).toBe(1);
      return page.items[0]!;
    });
    expect(failed).toMatchObject({ status: 'failed', attempts: 4, eventType: 'dossier.submitted.v2', lastError: expect.stringContaining('503') });
    expect(failed.log.map((entry) => [entry.attempt, entry.outcome, entry.statusCode])).toEqual([1, 2, 3, 4].map((attempt) => [attempt, 'failed', 503]));
    // Failed for good is settled: no claim, hence no 5th attempt, can follow (the spacing of the
    // attempts is the backoff's, specified in delivery.unit.test.ts and backoff.unit.test.ts).
    await settledDeliveries(env, { eventId: submitted.id, channel: 'webhook' });
    expect(broken.received).toHaveLength(4);
    expect(JSON.parse(broken.received[0]!.body)).toMatchObject({ type: 'dossier.submitted.v2', data: { dossier: { applicant: { organisationId: other.organisationId } } } });
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
    await publisher.publish(DossierSubmitted, story['dossier.submitted.v2']);
    const accepted = await publisher.publish(DossierAccepted, story['dossier.accepted.v3']);
    await eventually(async () => expect((await mail.mails()).filter((m) => m.subject.includes('AAP-2026-000902'))).toHaveLength(4));
    // The event was handled to the end and recorded no webhook delivery: nothing can be sent to it.
    await handled(env, accepted.id);
    expect(await env.database('notification').collection('deliveries').countDocuments({ eventId: accepted.id, channel: 'webhook' })).toBe(0);
    expect(flaky.received).toHaveLength(before);
    expect(((await (await call('GET', '/webhooks', asApplicant)).json()) as { items: unknown[] }).items).toHaveLength(0);
  });

  // ——— Webhooks an attacker cannot turn against the platform ———

  const ssrf = applicant('100000001');
  const asSsrf = { roles: ['applicant' as const], org: ssrf.organisationId };
  names.set('internal.test', ['127.0.0.1']);
  names.set('mixed.test', [PUBLIC_ADDRESS, '10.1.2.3']);
  names.set('metadata.test', ['169.254.169.254']);
  names.set('v6only.test', ['fd00::5']);
  names.set('nowhere.test', []);
  names.set('hooks.example.test', [PUBLIC_ADDRESS]);

  const problemOf = async (response: Response) => {
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return (await response.json()) as { status: number; errors: Array<{ name: string; in?: string; pointer?: string; detail: string }> };
  };

  it.each([
    // What was found from outside.
    ['http://127.0.0.1:3004/health/ready', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[::1]/', 'loopback'],
    ['http://localhost:27017', 'loopback'],
    // Every notation of an IPv4 address (the URL parser normalises them; the check sees 127.0.0.1).
    ['http://2130706433/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.1:8080/', 'loopback'],
    ['http://0/', 'unspecified'],
    // IPv6 forms of IPv4 addresses.
    ['http://[::ffff:127.0.0.1]/', 'loopback (embedded IPv4 127.0.0.1)'],
    ['http://[::ffff:7f00:1]/', 'loopback (embedded IPv4 127.0.0.1)'],
    ['http://[::127.0.0.1]/', 'loopback (embedded IPv4 127.0.0.1)'],
    ['http://[64:ff9b::169.254.169.254]/', 'link-local (embedded IPv4 169.254.169.254)'],
    // Names: special-use, upper case, trailing dot, and names resolving to internal addresses.
    ['http://localhost./', 'loopback'],
    ['http://LOCALHOST/', 'loopback'],
    ['http://internal.test/hook', 'resolves to a loopback address'],
    ['http://Internal.TEST./hook', 'resolves to a loopback address'],
    ['http://mixed.test/hook', 'resolves to a private address'],
    ['http://metadata.test./', 'resolves to a link-local address'],
    ['http://v6only.test/', 'resolves to a private address'],
    // Every other range that is not public unicast.
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://[fd12:3456::1]/', 'private'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://100.64.0.1/', 'carrier-grade NAT'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://192.0.2.10/', 'documentation'],
    ['http://198.51.100.7/', 'documentation'],
    ['http://203.0.113.9/', 'documentation'],
    ['https://[2001:db8::1]/', 'documentation'],
  ])('refuses %s at registration: webhook-target-public (%s), nothing registered', async (url, range) => {
    const answer = await call('POST', '/webhooks', asSsrf, { url, eventTypes: ['dossier.accepted.v3'] });
    expect(answer.status).toBe(422);
    const problem = await problemOf(answer);
    expect(problem.errors).toEqual([{ in: 'rule', name: 'webhook-target-public', pointer: '#/url', detail: expect.stringContaining(range) }]);
    expect(((await (await call('GET', '/webhooks', asSsrf)).json()) as { total: number }).total).toBe(0);
  });

  it('an invalid URL is a 400 naming the url field (it was a 500); a name that does not resolve is refused by its rule', async () => {
    for (const url of ['not a url', 'http://exa mple.fr/', 'http://[::1/', 'http://1.2.3.4.5/', 'https://user:pass@hooks.example.test/']) {
      const answer = await call('POST', '/webhooks', asSsrf, { url, eventTypes: ['dossier.accepted.v3'] });
      expect(answer.status, url).toBe(400);
      expect((await problemOf(answer)).errors).toEqual([expect.objectContaining({ name: 'url', in: 'body' })]);
    }
    const unresolvable = await call('POST', '/webhooks', asSsrf, { url: 'https://nowhere.test/hook', eventTypes: ['dossier.accepted.v3'] });
    expect(unresolvable.status).toBe(422);
    expect((await problemOf(unresolvable)).errors).toEqual([expect.objectContaining({ name: 'webhook-target-resolvable', pointer: '#/url' })]);
    expect(((await (await call('GET', '/webhooks', asSsrf)).json()) as { total: number }).total).toBe(0);
  });

  it('DNS rebinding: a name public at registration and loopback at delivery — the delivery fails with the reason, nothing reaches the internal address', async () => {
    const rebound = applicant('100000002');
    await publisher.publish(OrganisationRegistered, { organisation: rebound });
    const internal = await startReceiver([200]); // what the attacker wants to reach, on 127.0.0.1 (not allow-listed by address)
    try {
      names.set('rebind.test', [PUBLIC_ADDRESS]);
      const created = await call('POST', '/webhooks', { roles: ['applicant'], org: rebound.organisationId }, { url: `http://rebind.test:${internal.port}/internal`, eventTypes: ['dossier.accepted.v3'] });
      expect(created.status).toBe(201);
      const { webhookId: reboundId } = (await created.json()) as { webhookId: string };

      names.set('rebind.test', ['127.0.0.1']);
      resolutions.length = 0;
      const story = routedEventData({ dossierId: 'dossier-rebind', number: 'AAP-2026-000910', callId: 'call-w', organisation: rebound });
      await publisher.publish(DossierSubmitted, story['dossier.submitted.v2']);
      await publisher.publish(DossierAccepted, story['dossier.accepted.v3']);

      const delivery = await eventually(async () => {
        const page = (await (await call('GET', `/webhooks/${reboundId}/deliveries`, { roles: ['applicant'], org: rebound.organisationId })).json()) as { items: Delivery[] };
        expect(page.items[0]).toMatchObject({ status: 'failed', attempts: 4 });
        return page.items[0]!;
      }, { timeoutMs: 20_000 });
      expect(delivery.lastError).toBe('refused: loopback address');
      expect(delivery.log.map((entry) => (entry as { detail?: string }).detail)).toEqual(Array(4).fill('refused: loopback address'));
      expect(resolutions.filter((name) => name === 'rebind.test').length).toBeGreaterThanOrEqual(4); // checked at each connection
      expect(internal.received).toHaveLength(0);
    } finally {
      await internal.close();
    }
  });

  it('the subscriber sees a status code and a short reason, never the answer body; a silent receiver is a timeout', async () => {
    const answers = applicant('100000003');
    const asAnswers = { roles: ['applicant' as const], org: answers.organisationId };
    await publisher.publish(OrganisationRegistered, { organisation: answers });
    // An internal-looking answer, 1 MiB long: only 4 KiB are read, none of it kept.
    const leaky = await startReceiver([500], () => `mongodb://admin:hunter2@10.0.0.7:27017 ${'x'.repeat(1024 * 1024)}`);
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const register = async (url: string) =>
        ((await (await call('POST', '/webhooks', asAnswers, { url, eventTypes: ['dossier.accepted.v3'] })).json()) as { webhookId: string }).webhookId;
      const leakyId = await register(leaky.url);
      const silentId = await register(`http://${RECEIVERS}:${(silent.address() as AddressInfo).port}/hook`);
      const story = routedEventData({ dossierId: 'dossier-answers', number: 'AAP-2026-000911', callId: 'call-w', organisation: answers });
      await publisher.publish(DossierSubmitted, story['dossier.submitted.v2']);
      await publisher.publish(DossierAccepted, story['dossier.accepted.v3']);

      const firstAttemptOf = (webhookId: string) =>
        eventually(async () => {
          const answer = await call('GET', `/webhooks/${webhookId}/deliveries`, asAnswers);
          const text = await answer.text();
          const [delivery] = (JSON.parse(text) as { items: Delivery[] }).items;
          expect(delivery?.log.length).toBeGreaterThanOrEqual(1);
          return { delivery: delivery!, text };
        }, { timeoutMs: 15_000 });
      const { delivery: refused, text } = await firstAttemptOf(leakyId);
      expect(refused.lastError).toBe('HTTP 500');
      expect(refused.log[0]).toMatchObject({ outcome: 'failed', statusCode: 500, detail: 'HTTP 500' });
      expect(text).not.toContain('hunter2');
      const { delivery: timedOut } = await firstAttemptOf(silentId);
      expect(timedOut.log[0]).toMatchObject({ outcome: 'failed', detail: 'timeout' });
      // Nor is it anywhere in the database.
      const stored = await env.database('notification').collection('deliveries').find({ 'webhook.subscriptionId': leakyId }).toArray();
      expect(JSON.stringify(stored)).not.toContain('hunter2');
    } finally {
      await leaky.close();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a redirect is never followed: the attempt fails with its status, and the address it points to gets nothing', async () => {
    const redirected = applicant('100000007');
    const asRedirected = { roles: ['applicant' as const], org: redirected.organisationId };
    await publisher.publish(OrganisationRegistered, { organisation: redirected });
    const elsewhere = await startReceiver([200]); // where the redirect points: allow-listed, so only "not followed" keeps it out
    const redirecting = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(307, { location: `${elsewhere.url}?stolen=1` }).end());
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const created = await call('POST', '/webhooks', asRedirected, { url: `http://${RECEIVERS}:${(redirecting.address() as AddressInfo).port}/hook`, eventTypes: ['dossier.accepted.v3'] });
      expect(created.status).toBe(201);
      const { webhookId: redirectedId } = (await created.json()) as { webhookId: string };
      const story = routedEventData({ dossierId: 'dossier-redirect', number: 'AAP-2026-000914', callId: 'call-w', organisation: redirected });
      const accepted = await publisher.publish(DossierAccepted, story['dossier.accepted.v3']);

      const delivery = await eventually(async () => {
        const page = (await (await call('GET', `/webhooks/${redirectedId}/deliveries`, asRedirected)).json()) as { items: Delivery[] };
        expect(page.items[0]).toMatchObject({ status: 'failed', attempts: 4 });
        return page.items[0]!;
      }, { timeoutMs: 20_000 });
      expect(delivery.lastError).toBe('HTTP 307 (redirects are not followed)');
      expect(delivery.log.map((entry) => [entry.outcome, entry.statusCode])).toEqual(Array(4).fill(['failed', 307]));
      // Failed for good is settled: no attempt can follow, and none of the four went where it pointed.
      await settledDeliveries(env, { eventId: accepted.id, channel: 'webhook' });
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await elsewhere.close();
      redirecting.closeAllConnections();
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it('an organisation has at most WEBHOOK_MAX_PER_ORGANISATION webhooks, even when registering concurrently; deleting one frees its place', async () => {
    const limited = { roles: ['applicant' as const], org: applicant('100000004').organisationId };
    const register = (n: number) => call('POST', '/webhooks', limited, { url: `https://hooks.example.test/${n}`, eventTypes: ['dossier.accepted.v3'] });
    const answers = await Promise.all([1, 2, 3, 4, 5].map(register));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 422, 422]);
    const refused = answers.find((a) => a.status === 422)!;
    expect((await problemOf(refused)).errors).toEqual([expect.objectContaining({ in: 'rule', name: 'webhook-limit', detail: expect.stringContaining('at most 3 webhooks') })]);
    const listed = (await (await call('GET', '/webhooks', limited)).json()) as { total: number; items: Array<{ webhookId: string }> };
    expect(listed.total).toBe(3);

    expect((await register(6)).status).toBe(422);
    expect((await call('DELETE', `/webhooks/${listed.items[0]!.webhookId}`, limited)).status).toBe(204);
    expect((await register(7)).status).toBe(201);
    expect((await register(8)).status).toBe(422);
  });

  it('the secret is stored encrypted, and replays are limited per webhook and minute (429 with Retry-After)', async () => {
    const replayer = applicant('100000005');
    const asReplayer = { roles: ['applicant' as const], org: replayer.organisationId };
    await publisher.publish(OrganisationRegistered, { organisation: replayer });
    const receiver = await startReceiver([200]);
    try {
      const created = (await (await call('POST', '/webhooks', asReplayer, { url: receiver.url, eventTypes: ['dossier.submitted.v2'] })).json()) as { webhookId: string; secret: string };
      const raw = await env.database('notification').collection<{ _id: string; sealedSecret?: string }>('webhook_subscriptions').findOne({ _id: created.webhookId });
      expect(raw).not.toHaveProperty('secret');
      expect(raw!.sealedSecret).toMatch(/^v1\./);
      expect(JSON.stringify(raw)).not.toContain(created.secret.slice('whsec_'.length));

      const story = routedEventData({ dossierId: 'dossier-replay', number: 'AAP-2026-000912', callId: 'call-w', organisation: replayer });
      await publisher.publish(DossierSubmitted, story['dossier.submitted.v2']);
      await eventually(() => expect(receiver.received).toHaveLength(1));
      expect(verify(created.secret, receiver.received[0]!.headers, receiver.received[0]!.body)).toEqual({ ok: true }); // decrypted to sign

      const deliveryPath = async () => {
        const [delivery] = ((await (await call('GET', `/webhooks/${created.webhookId}/deliveries`, asReplayer)).json()) as { items: Delivery[] }).items;
        return `/webhooks/${created.webhookId}/deliveries/${encodeURIComponent(delivery!.deliveryId)}/replay`;
      };
      const path = await deliveryPath();
      for (const expected of [2, 3]) {
        await eventually(async () => {
          const [delivery] = ((await (await call('GET', `/webhooks/${created.webhookId}/deliveries`, asReplayer)).json()) as { items: Delivery[] }).items;
          expect(delivery!.status).toBe('sent');
        });
        expect((await call('POST', path, asReplayer)).status).toBe(202);
        await eventually(() => expect(receiver.received).toHaveLength(expected));
      }
      await eventually(async () => {
        const [delivery] = ((await (await call('GET', `/webhooks/${created.webhookId}/deliveries`, asReplayer)).json()) as { items: Delivery[] }).items;
        expect(delivery!.status).toBe('sent');
      });
      const limited = await call('POST', path, asReplayer);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect((await problemOf(limited)).errors).toEqual([expect.objectContaining({ name: 'webhook-replay-limit' })]);
      // The refused replay changed nothing: the delivery is still settled, with the two replays only.
      const [after] = ((await (await call('GET', `/webhooks/${created.webhookId}/deliveries`, asReplayer)).json()) as { items: Delivery[] }).items;
      expect(after).toMatchObject({ status: 'sent' });
      expect(after!.log.map((entry) => entry.outcome)).toEqual(['sent', 'replay-requested', 'sent', 'replay-requested', 'sent']);
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it('an organisation’s webhook gets what its applicant view shows (not the committee’s internal reason); a back-office webhook gets the whole event', async () => {
    const filtered = applicant('100000006');
    await publisher.publish(OrganisationRegistered, { organisation: filtered });
    const organisationReceiver = await startReceiver([200]);
    const backOfficeReceiver = await startReceiver([200]);
    try {
      const eventTypes = ['dossier.submitted.v2', 'dossier.decision-reopened.v2'];
      expect((await call('POST', '/webhooks', { roles: ['applicant'], org: filtered.organisationId }, { url: organisationReceiver.url, eventTypes })).status).toBe(201);
      expect((await call('POST', '/webhooks', { roles: ['admin'] }, { url: backOfficeReceiver.url, eventTypes: ['dossier.decision-reopened.v2'] })).status).toBe(201);
      const story = routedEventData({ dossierId: 'dossier-filtered', number: 'AAP-2026-000913', callId: 'call-w', organisation: filtered });
      await publisher.publish(DossierSubmitted, story['dossier.submitted.v2']);
      await publisher.publish(DossierDecisionReopened, story['dossier.decision-reopened.v2']);

      await eventually(() => expect(organisationReceiver.received).toHaveLength(2), { timeoutMs: 15_000 });
      const byType = Object.fromEntries(organisationReceiver.received.map((r) => [JSON.parse(r.body).type as string, r.body]));
      // Only its own dossier reference: the committee's reason is not allow-listed for applicants.
      expect(JSON.parse(byType['dossier.decision-reopened.v2']!).data).toEqual({
        dossierId: 'dossier-filtered',
        number: 'AAP-2026-000913',
        callId: 'call-w',
        waveId: 'w1',
        organisationId: '100000006',
      });
      expect(byType['dossier.decision-reopened.v2']).not.toContain('note interne');
      const submitted = JSON.parse(byType['dossier.submitted.v2']!).data.dossier;
      expect(submitted).toMatchObject({ dossierId: 'dossier-filtered', number: 'AAP-2026-000913', project: { title: 'Tiers-lieu de la gare' } });
      expect(submitted).not.toHaveProperty('budget');
      expect(submitted).not.toHaveProperty('applicant');

      await eventually(() => expect(backOfficeReceiver.received).toHaveLength(1));
      expect(JSON.parse(backOfficeReceiver.received[0]!.body).data).toMatchObject({ dossierId: 'dossier-filtered', reason: 'Crédits libérés par un désistement (note interne).' });
    } finally {
      await organisationReceiver.close();
      await backOfficeReceiver.close();
    }
  });
});
