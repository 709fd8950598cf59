import { randomUUID } from 'node:crypto';
import { Schema, type Model } from 'mongoose';
import { z } from 'zod';
import { catalogue, type EventEnvelope } from '@aap/contracts';
import { applicantScope, callerOf, conflict, notFound, paginated, paginationQuery, skipOf, unprocessable, type Caller } from '@aap/http';
import type { Logger } from '@aap/observability';
import type { ServiceContext } from '@aap/service-runtime';
import type { NotificationSettings } from '../config';
import { DELIVERY_STATUSES, DeliveryError, type DeliveryChannel, type DeliveryDocument, type DeliveryQueue } from '../deliveries/deliveries';
import { deliveryView, toDeliveryView } from '../deliveries/views';
import { generateSecret, signatureHeaders } from './signature';

/**
 * Webhooks: an organisation (applicant) subscribes URLs to its own applicant-facing events; an
 * admin subscribes a back-office system to any event this service consumes, for every organisation.
 * Each matching event becomes one delivery (`${eventId}:${subscriptionId}`), sent by the delivery
 * queue as a signed POST of the CloudEvent in structured mode, retried with backoff.
 */
export interface SubscriptionDocument {
  _id: string;
  /** The organisation whose events are sent; absent for a back-office subscription (every organisation). */
  organisationId?: string;
  url: string;
  eventTypes: string[];
  description?: string;
  /** Needed in clear to sign (HMAC); shown once, at creation. */
  secret: string;
  createdBy: string;
  createdAt: Date;
  deletedAt?: Date;
}

const subscriptionView = z.object({
  webhookId: z.string(),
  organisationId: z.string().optional(),
  scope: z.enum(['organisation', 'back-office']),
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string().optional(),
  createdAt: z.string(),
});

function toView(subscription: SubscriptionDocument): z.infer<typeof subscriptionView> {
  return {
    webhookId: subscription._id,
    ...(subscription.organisationId ? { organisationId: subscription.organisationId } : {}),
    scope: subscription.organisationId ? 'organisation' : 'back-office',
    url: subscription.url,
    eventTypes: subscription.eventTypes,
    ...(subscription.description ? { description: subscription.description } : {}),
    createdAt: new Date(subscription.createdAt).toISOString(),
  };
}

/** Only http(s) URLs, without credentials (the signature authenticates; the URL is shown in lists). */
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2_000)
  .refine((value) => !new URL(value).username && !new URL(value).password, 'no credentials in the URL');

export class Webhooks {
  constructor(
    readonly model: Model<SubscriptionDocument>,
    private readonly deliveries: DeliveryQueue,
  ) {}

  /**
   * Records one delivery per live subscription that wants this event: the organisation's own
   * subscriptions when `organisationId` is given, the back-office ones when it is null.
   */
  async enqueueFor(event: EventEnvelope, organisationId: string | null, dossierId?: string): Promise<void> {
    const subscriptions = await this.model
      .find({ organisationId: organisationId ?? { $exists: false }, eventTypes: event.type, deletedAt: { $exists: false } })
      .lean<SubscriptionDocument[]>();
    for (const subscription of subscriptions) {
      await this.deliveries.enqueue({
        _id: `${event.id}:${subscription._id}`,
        channel: 'webhook',
        eventId: event.id,
        eventType: event.type,
        ...(organisationId ? { organisationId } : {}),
        ...(dossierId ? { dossierId } : {}),
        webhook: { subscriptionId: subscription._id, envelope: event },
      });
    }
  }
}

/** Sends a webhook delivery: POST of the CloudEvent (structured JSON), signed at each attempt. */
export function webhookChannel(model: Model<SubscriptionDocument>, settings: NotificationSettings): DeliveryChannel {
  return {
    async send(delivery: DeliveryDocument, logger: Logger) {
      const payload = delivery.webhook;
      if (!payload) throw new DeliveryError('a webhook delivery without its event', { permanent: true });
      const subscription = await model.findById(payload.subscriptionId).lean<SubscriptionDocument>();
      if (!subscription || subscription.deletedAt) throw new DeliveryError('the subscription was deleted', { permanent: true });
      const { specversion, id, type, source, subject, time, datacontenttype, correlationid, causationid, data } = payload.envelope;
      const body = JSON.stringify({ specversion, id, type, source, subject, time, datacontenttype, correlationid, ...(causationid ? { causationid } : {}), data });
      let response: Response;
      try {
        response = await fetch(subscription.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/cloudevents+json; charset=utf-8',
            'user-agent': 'AAP-Webhooks/1.0 (+https://aap.anct.gouv.fr)',
            ...signatureHeaders(subscription.secret, id, body),
          },
          body,
          redirect: 'manual', // a redirect is an answer, not an invitation to post the event elsewhere
          signal: AbortSignal.timeout(settings.WEBHOOK_TIMEOUT_MS),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new DeliveryError(`POST ${subscription.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
      }
      const excerpt = (await response.text().catch(() => '')).slice(0, 300);
      if (response.status < 200 || response.status >= 300) {
        throw new DeliveryError(`POST ${subscription.url} answered ${response.status}${excerpt ? `: ${excerpt}` : ''}`, { statusCode: response.status });
      }
      logger.debug({ status: response.status }, 'webhook delivered');
      return { statusCode: response.status };
    },
  };
}

export function webhookModel(context: ServiceContext): Model<SubscriptionDocument> {
  const schema = new Schema<SubscriptionDocument>(
    { _id: String, organisationId: String, url: String, eventTypes: [String], description: String, secret: String, createdBy: String, createdAt: Date, deletedAt: Date },
    { collection: 'webhook_subscriptions', versionKey: false },
  );
  schema.index({ organisationId: 1, eventTypes: 1 });
  return context.db.model<SubscriptionDocument>('WebhookSubscription', schema);
}

export interface WebhookRouteOptions {
  /** Event types an organisation may subscribe to: its applicant-facing events. */
  organisationEventTypes: readonly string[];
  /** Event types a back-office subscription may ask for: every event this service consumes. */
  backOfficeEventTypes: readonly string[];
}

const idParams = z.object({ webhookId: z.string().min(1).max(100) });

export function registerWebhooks(context: ServiceContext, model: Model<SubscriptionDocument>, deliveries: DeliveryQueue, options: WebhookRouteOptions): Webhooks {
  const webhooks = new Webhooks(model, deliveries);
  const { http } = context;

  /** The subscription if the caller owns it (its organisation's, or any for an admin); 404 otherwise. */
  const findFor = async (caller: Caller, webhookId: string): Promise<SubscriptionDocument> => {
    const scope = applicantScope(caller);
    const subscription = await model
      .findOne({ _id: webhookId, deletedAt: { $exists: false }, ...(scope ? { organisationId: scope } : {}) })
      .lean<SubscriptionDocument>();
    if (!subscription) throw notFound(`Webhook ${webhookId}`);
    return subscription;
  };

  http.post(
    '/webhooks',
    {
      config: { access: { roles: ['applicant', 'admin'] } },
      schema: {
        tags: ['webhooks'],
        summary: 'Subscribe a URL to events (an applicant: its organisation’s; an admin: a back-office system, every organisation)',
        description:
          'Each event is POSTed as a CloudEvent in structured JSON mode (`application/cloudevents+json`) with the headers ' +
          '`webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>` (Standard Webhooks). ' +
          'The secret is returned once, in this answer.',
        body: z.object({
          url: httpUrl,
          eventTypes: z.array(z.string().min(1)).min(1).max(50),
          description: z.string().trim().max(500).optional(),
        }),
        response: { 201: subscriptionView.extend({ secret: z.string() }) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const organisationId = applicantScope(caller);
      const allowed = organisationId ? options.organisationEventTypes : options.backOfficeEventTypes;
      const eventTypes = [...new Set(request.body.eventTypes)];
      const errors = eventTypes.flatMap((type, i) =>
        allowed.includes(type)
          ? []
          : [{ in: 'body' as const, name: 'eventTypes', pointer: `#/eventTypes/${i}`, detail: `${type} cannot be subscribed to${catalogue.get(type) ? ' here' : ' (unknown event type)'}; allowed: ${allowed.join(', ')}` }],
      );
      if (errors.length > 0) throw unprocessable('Some event types cannot be subscribed to', errors);
      const subscription: SubscriptionDocument = {
        _id: randomUUID(),
        ...(organisationId ? { organisationId } : {}),
        url: request.body.url,
        eventTypes,
        ...(request.body.description ? { description: request.body.description } : {}),
        secret: generateSecret(),
        createdBy: caller.userId,
        createdAt: new Date(),
      };
      await model.create(subscription);
      return reply.status(201).send({ ...toView(subscription), secret: subscription.secret });
    },
  );

  http.get(
    '/webhooks',
    {
      config: { access: { roles: ['applicant', 'admin'] } },
      schema: {
        tags: ['webhooks'],
        summary: 'The webhooks of the caller’s organisation (every webhook for an admin); secrets are never shown again',
        querystring: paginationQuery,
        response: { 200: paginated(subscriptionView) },
      },
    },
    async (request) => {
      const scope = applicantScope(callerOf(request));
      const filter = { deletedAt: { $exists: false }, ...(scope ? { organisationId: scope } : {}) };
      const { page, pageSize } = request.query;
      const [items, total] = await Promise.all([
        model.find(filter).sort({ createdAt: -1, _id: 1 }).skip(skipOf({ page, pageSize })).limit(pageSize).lean<SubscriptionDocument[]>(),
        model.countDocuments(filter),
      ]);
      return { items: items.map(toView), page, pageSize, total };
    },
  );

  http.delete(
    '/webhooks/:webhookId',
    {
      config: { access: { roles: ['applicant', 'admin'] } },
      schema: { tags: ['webhooks'], summary: 'Delete a webhook: nothing more is sent to it (its delivery log stays)', params: idParams },
    },
    async (request, reply) => {
      const subscription = await findFor(callerOf(request), request.params.webhookId);
      await model.updateOne({ _id: subscription._id, deletedAt: { $exists: false } }, { $set: { deletedAt: new Date() } });
      return reply.status(204).send();
    },
  );

  http.get(
    '/webhooks/:webhookId/deliveries',
    {
      config: { access: { roles: ['applicant', 'admin'] } },
      schema: {
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
      const filter = { 'webhook.subscriptionId': subscription._id, ...(status ? { status } : {}) };
      const [items, total] = await Promise.all([
        deliveries.model.find(filter).sort({ createdAt: -1, _id: 1 }).skip(skipOf({ page, pageSize })).limit(pageSize).lean<DeliveryDocument[]>(),
        deliveries.model.countDocuments(filter),
      ]);
      return { items: items.map(toDeliveryView), page, pageSize, total };
    },
  );

  http.post(
    '/webhooks/:webhookId/deliveries/:deliveryId/replay',
    {
      config: { access: { roles: ['applicant', 'admin'] } },
      schema: {
        tags: ['webhooks'],
        summary: 'Send a delivery again (sent or failed): same event, same webhook-id, a fresh timestamp and signature',
        params: idParams.extend({ deliveryId: z.string().min(1).max(300) }),
        response: { 202: deliveryView },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const subscription = await findFor(caller, request.params.webhookId);
      const existing = await deliveries.model.findOne({ _id: request.params.deliveryId, 'webhook.subscriptionId': subscription._id }).lean<DeliveryDocument>();
      if (!existing) throw notFound(`Delivery ${request.params.deliveryId}`);
      const replayed = await deliveries.replay(existing._id, caller.userId);
      if (!replayed) throw conflict(`Delivery ${existing._id} is ${existing.status}: only a sent or failed delivery can be replayed`);
      return reply.status(202).send(toDeliveryView(replayed));
    },
  );

  return webhooks;
}
