import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Violation } from '@aap/contracts';
import { applicantScope, callerOf, conflict, HttpProblem, notFound, paginated, paginationQuery, sendProblem, unprocessable, type Caller, type HttpServer, type ProblemError, COMMAND_REFUSALS, noContentAnswer } from '@aap/http';
import { DELIVERY_STATUSES, deliveryView, toDeliveryView, type DeliveriesPort } from '../deliveries';
import type { WebhookQuota } from './limits';
import { generateSecret } from './signature';
import { admitReplay, BACK_OFFICE, registrationViolations, replayRetryAfterSeconds, subscribe, unsubscribe, type Subscription } from './subscription';
import type { SubscriptionStore } from './subscription.store';
import type { WebhookRuntime } from './webhook-channel';

const subscriptionView = z.object({
  webhookId: z.string(),
  organisationId: z.string().optional(),
  scope: z.enum(['organisation', 'back-office']),
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string().optional(),
  createdAt: z.string(),
});

function toView(subscription: Subscription): z.infer<typeof subscriptionView> {
  return {
    webhookId: subscription.id,
    ...(subscription.organisationId ? { organisationId: subscription.organisationId } : {}),
    scope: subscription.organisationId ? 'organisation' : 'back-office',
    url: subscription.url,
    eventTypes: subscription.eventTypes,
    ...(subscription.description ? { description: subscription.description } : {}),
    createdAt: new Date(subscription.createdAt).toISOString(),
  };
}

/** A refused registration's problem entries: a forbidden event type is an error of the body, a refused target a rule's. */
const registrationErrors = (violations: readonly Violation[]): ProblemError[] =>
  violations.map((v) => ({ in: v.name === 'eventTypes' ? ('body' as const) : ('rule' as const), name: v.name, ...(v.pointer ? { pointer: v.pointer } : {}), detail: v.detail }));

/**
 * Only http(s) URLs, without credentials (the signature authenticates; the URL is shown in lists),
 * kept as the WHATWG parser writes them (`http://0x7f.1/` is `http://127.0.0.1/`: what is checked
 * is what is stored and called). Parsed once: a refinement calling `new URL` on a string that is
 * not a URL threw, and an invalid URL answered 500.
 */
const httpUrl = z
  .string()
  .max(2_000)
  .transform((value, ctx) => {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
      return z.NEVER;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'no credentials in the URL' });
      return z.NEVER;
    }
    return url.href;
  });

export interface WebhookRouteOptions {
  /** Event types an organisation may subscribe to: its applicant-facing events. */
  organisationEventTypes: readonly string[];
  /** Event types a back-office subscription may ask for: every event this service consumes. */
  backOfficeEventTypes: readonly string[];
  runtime: WebhookRuntime;
  quota: WebhookQuota;
  deliveries: DeliveriesPort;
}

const idParams = z.object({ webhookId: z.string().min(1).max(100) });

export function webhookRoutes(http: HttpServer, store: SubscriptionStore, options: WebhookRouteOptions): void {
  const { runtime, quota, deliveries } = options;
  const { settings, targets, secrets } = runtime;

  /** The subscription if the caller owns it (its organisation's, or any for an admin); 404 otherwise. */
  const findFor = async (caller: Caller, webhookId: string): Promise<Subscription> => {
    const scope = applicantScope(caller);
    const subscription = await store.load(webhookId);
    if (!subscription?.active || (scope && subscription.organisationId !== scope)) throw notFound(`Webhook ${webhookId}`);
    return subscription;
  };

  http.post(
    '/webhooks',
    {
      config: { access: { roles: ['applicant', 'admin'] }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'createWebhook',
        tags: ['webhooks'],
        summary: 'Subscribe a URL to events (an applicant: its organisation’s; an admin: a back-office system, every organisation)',
        description:
          'Each event is POSTed as a CloudEvent in structured JSON mode (`application/cloudevents+json`) with the headers ' +
          '`webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>` (Standard Webhooks). ' +
          'The secret is returned once, in this answer. The URL must reach a public address (rule `webhook-target-public`: ' +
          'no loopback, private, link-local, CGNAT, multicast, reserved or documentation address, in any notation, nor a name ' +
          'resolving to one), https in production (`webhook-target-https`); an organisation has at most ' +
          '`WEBHOOK_MAX_PER_ORGANISATION` webhooks (`webhook-limit`).',
        body: z.object({
          url: httpUrl,
          eventTypes: z.array(z.string().min(1).max(100)).min(1).max(50),
          description: z.string().trim().max(500).optional(),
        }),
        response: { 201: subscriptionView.extend({ secret: z.string() }) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const organisationId = applicantScope(caller);
      const registration = {
        eventTypes: [...new Set(request.body.eventTypes)],
        allowedEventTypes: organisationId ? options.organisationEventTypes : options.backOfficeEventTypes,
        // Resolved before deciding (I/O): the decision reads the policy's refusals.
        targetRefusals: await targets.refusalsOf(new URL(request.body.url)),
      };
      // Checked before a slot is taken, so that a refused registration holds none.
      const violations = registrationViolations(registration);
      if (violations.length > 0) throw unprocessable('The webhook cannot be registered', registrationErrors(violations));
      const webhookId = randomUUID();
      const quotaSlot = await quota.take(organisationId ?? BACK_OFFICE, webhookId);
      const secret = generateSecret();
      const command = {
        ...registration,
        id: webhookId,
        ...(organisationId ? { organisationId } : {}),
        url: request.body.url,
        ...(request.body.description ? { description: request.body.description } : {}),
        sealedSecret: secrets.seal(secret, webhookId),
        quotaSlot,
        maxPerScope: settings.WEBHOOK_MAX_PER_ORGANISATION,
        by: caller.userId,
      };
      const now = new Date();
      let handled;
      try {
        handled = await store.commands.handle(webhookId, (existing) => subscribe(existing, command, now));
      } catch (error) {
        await quota.release(quotaSlot, webhookId);
        throw error;
      }
      const { decision, after } = handled;
      if (decision.outcome === 'refused' || !after) {
        await quota.release(quotaSlot, webhookId);
        const refusals = decision.outcome === 'refused' ? decision.violations : [];
        throw unprocessable(`At most ${settings.WEBHOOK_MAX_PER_ORGANISATION} webhooks`, registrationErrors(refusals));
      }
      return reply.status(201).send({ ...toView(after), secret });
    },
  );

  http.get(
    '/webhooks',
    {
      config: { access: { roles: ['applicant', 'admin'] } },
      schema: {
        operationId: 'listWebhooks',
        tags: ['webhooks'],
        summary: 'The webhooks of the caller’s organisation (every webhook for an admin); secrets are never shown again',
        querystring: paginationQuery,
        response: { 200: paginated(subscriptionView) },
      },
    },
    async (request) => {
      const found = await store.page(applicantScope(callerOf(request)), request.query);
      return { ...found, items: found.items.map(toView) };
    },
  );

  http.delete(
    '/webhooks/:webhookId',
    {
      config: { access: { roles: ['applicant', 'admin'] }, problems: [409] },
      schema: { operationId: 'deleteWebhook', tags: ['webhooks'], summary: 'Delete a webhook: nothing more is sent to it (its delivery log stays)', params: idParams, response: { 204: noContentAnswer('The webhook is deleted') } },
    },
    async (request, reply) => {
      const subscription = await findFor(callerOf(request), request.params.webhookId);
      const now = new Date();
      await store.commands.handleExisting(subscription.id, (current) => unsubscribe(current, now));
      await quota.release(subscription.quotaSlot, subscription.id);
      return reply.status(204).send();
    },
  );

  http.get(
    '/webhooks/:webhookId/deliveries',
    {
      config: { access: { roles: ['applicant', 'admin'] } },
      schema: {
        operationId: 'listWebhookDeliveries',
        tags: ['webhooks'],
        summary: 'Delivery log of a webhook, newest first: status, attempts, response codes, errors',
        params: idParams,
        querystring: paginationQuery.extend({ status: z.enum(DELIVERY_STATUSES).optional() }),
        response: { 200: paginated(deliveryView) },
      },
    },
    async (request) => {
      const subscription = await findFor(callerOf(request), request.params.webhookId);
      const { page, pageSize, status } = request.query;
      const found = await deliveries.ofSubscription(subscription.id, status, { page, pageSize });
      return { ...found, items: found.items.map(toDeliveryView) };
    },
  );

  http.post(
    '/webhooks/:webhookId/deliveries/:deliveryId/replay',
    {
      config: { access: { roles: ['applicant', 'admin'] }, problems: [409] },
      schema: {
        operationId: 'replayWebhookDelivery',
        tags: ['webhooks'],
        summary: 'Send a delivery again (sent or failed): same event, same webhook-id, a fresh timestamp and signature',
        description: 'At most `WEBHOOK_REPLAYS_PER_MINUTE` replays per webhook and minute; beyond, 429 with `Retry-After`.',
        params: idParams.extend({ deliveryId: z.string().min(1).max(300) }),
        response: { 202: deliveryView },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const subscription = await findFor(caller, request.params.webhookId);
      const now = new Date();
      const limit = settings.WEBHOOK_REPLAYS_PER_MINUTE;
      const admission = await store.commands.handleExisting(subscription.id, (current) => admitReplay(current, { perWindow: limit }, now));
      if (admission?.decision.outcome === 'refused') {
        const retryAfter = admission.before ? replayRetryAfterSeconds(admission.before, now) : 1;
        const problem = new HttpProblem(429, 'webhook-replay-limit', 'Too many replays', `At most ${limit} replays per webhook and minute`, [
          { in: 'rule', name: 'webhook-replay-limit', detail: admission.decision.violations[0]!.detail },
        ]);
        reply.header('retry-after', String(retryAfter));
        return sendProblem(reply, problem.toProblem(request.url));
      }
      const existing = await deliveries.find(request.params.deliveryId);
      if (!existing || existing.webhook?.subscriptionId !== subscription.id) throw notFound(`Delivery ${request.params.deliveryId}`);
      const replayed = await deliveries.replay(existing.id, caller.userId);
      if (!replayed?.after || replayed.decision.outcome === 'wrong-status') throw conflict(replayed?.decision.outcome === 'wrong-status' ? replayed.decision.detail : `Delivery ${existing.id} cannot be replayed`);
      return reply.status(202).send(toDeliveryView(replayed.after));
    },
  );
}
