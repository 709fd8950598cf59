import { randomUUID } from 'node:crypto';
import { Schema, type Model } from 'mongoose';
import { z } from 'zod';
import { catalogue, type EventEnvelope } from '@aap/contracts';
import { applicantScope, callerOf, conflict, HttpProblem, notFound, paginated, paginationQuery, sendProblem, skipOf, unprocessable, type Caller, type ProblemError } from '@aap/http';
import { documentLocksPlugin } from '@aap/messaging';
import type { Logger } from '@aap/observability';
import type { ServiceContext } from '@aap/service-runtime';
import { productionWebhookProblem, type NotificationSettings } from '../config';
import { DELIVERY_STATUSES, DeliveryError, type DeliveryChannel, type DeliveryDocument, type DeliveryQueue } from '../deliveries/deliveries';
import { deliveryView, toDeliveryView } from '../deliveries/views';
import { applicantEventData } from './applicant-payload';
import { admitReplay, NO_REPLAY_WINDOW, WebhookQuota, webhookSlotModel, type ReplayWindow } from './limits';
import { DEVELOPMENT_SECRET_KEY, parseSecretKey, SecretBox } from './secret-box';
import { generateSecret, signatureHeaders } from './signature';
import { TargetAllowList } from './target-address';
import { systemResolver, WebhookTargetPolicy, type HostResolver } from './target-policy';
import { postWebhook } from './webhook-request';

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
  /** `organisationId`, or BACK_OFFICE: what each consumed event looks subscriptions up by (an equality, not a missing field). */
  scope: string;
  /** True until deleted: the lookups' equality (a missing `deletedAt` is an `$exists`, which FerretDB scans for). */
  active: boolean;
  url: string;
  eventTypes: string[];
  description?: string;
  /** The signing secret, encrypted (secret-box.ts): needed in clear to sign, shown once, at creation. */
  sealedSecret?: string;
  /** Only in subscriptions written before secrets were encrypted; sealed on first use. */
  secret?: string;
  /** The organisation's webhook slot this subscription holds (limits.ts). */
  quotaSlot?: string;
  replayWindow?: ReplayWindow;
  createdBy: string;
  createdAt: Date;
  deletedAt?: Date;
}

/** The scope of the back-office's subscriptions (an organisation id is digits: no collision). */
export const BACK_OFFICE = 'back-office';

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
    // Runs for every consumed event: equalities on the indexed {scope, active}; the event type is
    // checked here, among at most WEBHOOK_MAX_PER_ORGANISATION live subscriptions of the scope.
    const live = await this.model.find({ scope: organisationId ?? BACK_OFFICE, active: true }).lean<SubscriptionDocument[]>();
    // A subscription to a superseded version of the event receives its current version (what is consumed).
    const subscriptions = live.filter((subscription) => subscription.eventTypes.some((type) => catalogue.current(type)?.type === event.type));
    if (subscriptions.length === 0) return;
    // An organisation receives what its applicant view shows; the back-office, the whole event.
    const envelope = organisationId ? { ...event, data: applicantEventData(event.type, event.data) } : event;
    for (const subscription of subscriptions) {
      await this.deliveries.enqueue({
        _id: `${event.id}:${subscription._id}`,
        channel: 'webhook',
        eventId: event.id,
        eventType: event.type,
        ...(organisationId ? { organisationId } : {}),
        ...(dossierId ? { dossierId } : {}),
        webhook: { subscriptionId: subscription._id, envelope },
      });
    }
  }
}

/** What sending and registering webhooks need besides the database: built once per service (webhookRuntime). */
export interface WebhookRuntime {
  settings: NotificationSettings;
  targets: WebhookTargetPolicy;
  secrets: SecretBox;
}

export interface WebhookDependencies {
  /** Host name resolution, for registration and delivery alike (tests inject theirs). */
  resolveHost?: HostResolver;
}

/**
 * The target policy and the secret box of a service. Refuses to build in production without
 * WEBHOOK_SECRET_KEY (the service does not start): the development key is never a production default.
 */
export function webhookRuntime(settings: NotificationSettings, nodeEnv: string | undefined, dependencies: WebhookDependencies = {}): WebhookRuntime {
  const problem = productionWebhookProblem(nodeEnv, settings);
  if (problem) throw new Error(problem);
  const key = settings.WEBHOOK_SECRET_KEY ? parseSecretKey(settings.WEBHOOK_SECRET_KEY) : DEVELOPMENT_SECRET_KEY;
  if (!key) throw new Error('WEBHOOK_SECRET_KEY must be 32 bytes, as 64 hex digits or base64');
  return {
    settings,
    secrets: new SecretBox(key),
    targets: new WebhookTargetPolicy({
      allowList: new TargetAllowList(settings.WEBHOOK_ALLOWED_HOSTS),
      requireHttps: nodeEnv === 'production',
      resolve: dependencies.resolveHost ?? systemResolver,
      resolveTimeoutMs: Math.min(settings.WEBHOOK_TIMEOUT_MS, 5_000),
    }),
  };
}

/** The signing secret of a subscription; one written in clear before encryption is sealed now. */
async function secretOf(model: Model<SubscriptionDocument>, subscription: SubscriptionDocument, secrets: SecretBox): Promise<string> {
  if (subscription.sealedSecret) return secrets.open(subscription.sealedSecret, subscription._id);
  if (!subscription.secret) throw new DeliveryError('the subscription has no secret', { permanent: true });
  await model.updateOne({ _id: subscription._id, secret: subscription.secret }, { $set: { sealedSecret: secrets.seal(subscription.secret, subscription._id) }, $unset: { secret: '' } });
  return subscription.secret;
}

/**
 * Sends a webhook delivery: POST of the CloudEvent (structured JSON), signed at each attempt, to an
 * address checked at connection time (webhook-request.ts). The error recorded in the delivery log
 * is a short reason; the receiver's answer body is never kept.
 */
export function webhookChannel(model: Model<SubscriptionDocument>, runtime: WebhookRuntime): DeliveryChannel {
  return {
    async send(delivery: DeliveryDocument, logger: Logger) {
      const payload = delivery.webhook;
      if (!payload) throw new DeliveryError('a webhook delivery without its event', { permanent: true });
      const subscription = await model.findById(payload.subscriptionId).lean<SubscriptionDocument>();
      if (!subscription?.active) throw new DeliveryError('the subscription was deleted', { permanent: true });
      const { specversion, id, type, source, subject, time, datacontenttype, correlationid, causationid, data } = payload.envelope;
      const body = JSON.stringify({ specversion, id, type, source, subject, time, datacontenttype, correlationid, ...(causationid ? { causationid } : {}), data });
      const headers = {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'user-agent': 'AAP-Webhooks/1.0 (+https://aap.anct.gouv.fr)',
        ...signatureHeaders(await secretOf(model, subscription, runtime.secrets), id, body),
      };
      const { statusCode } = await postWebhook(new URL(subscription.url), headers, body, {
        targets: runtime.targets,
        timeoutMs: runtime.settings.WEBHOOK_TIMEOUT_MS,
        maxResponseBytes: runtime.settings.WEBHOOK_MAX_RESPONSE_BYTES,
      });
      logger.debug({ status: statusCode }, 'webhook delivered');
      return { statusCode };
    },
  };
}

export function webhookModel(context: ServiceContext): Model<SubscriptionDocument> {
  const schema = new Schema<SubscriptionDocument>(
    {
      _id: String,
      organisationId: String,
      scope: String,
      active: Boolean,
      url: String,
      eventTypes: [String],
      description: String,
      sealedSecret: String,
      secret: String,
      quotaSlot: String,
      replayWindow: { startedAt: Date, count: Number },
      createdBy: String,
      createdAt: Date,
      deletedAt: Date,
    },
    { collection: 'webhook_subscriptions', versionKey: false },
  );
  schema.index({ scope: 1, active: 1 });
  schema.plugin(documentLocksPlugin); // the replay window is a guarded read-then-write
  return context.db.model<SubscriptionDocument>('WebhookSubscription', schema);
}

/**
 * Gives subscriptions written before `scope`, `active` and the initial replay window their values,
 * once, at start-up (a scan, before the consumer starts: off every hot path).
 */
export async function upgradeSubscriptions(model: Model<SubscriptionDocument>): Promise<void> {
  const older = await model.find({ active: { $exists: false } }).lean<SubscriptionDocument[]>();
  for (const subscription of older) {
    await model.updateOne(
      { _id: subscription._id },
      { $set: { scope: subscription.organisationId ?? BACK_OFFICE, active: !subscription.deletedAt, ...(subscription.replayWindow ? {} : { replayWindow: NO_REPLAY_WINDOW }) } },
    );
  }
}

export interface WebhookRouteOptions {
  /** Event types an organisation may subscribe to: its applicant-facing events. */
  organisationEventTypes: readonly string[];
  /** Event types a back-office subscription may ask for: every event this service consumes. */
  backOfficeEventTypes: readonly string[];
  runtime: WebhookRuntime;
}

const idParams = z.object({ webhookId: z.string().min(1).max(100) });

export function registerWebhooks(context: ServiceContext, model: Model<SubscriptionDocument>, deliveries: DeliveryQueue, options: WebhookRouteOptions): Webhooks {
  const webhooks = new Webhooks(model, deliveries);
  const { http } = context;
  const { settings, targets, secrets } = options.runtime;
  const quota = new WebhookQuota(
    webhookSlotModel(context),
    async (webhookId) => Boolean((await model.findById(webhookId, { active: 1 }).lean<Pick<SubscriptionDocument, 'active'>>())?.active),
    settings.WEBHOOK_MAX_PER_ORGANISATION,
  );

  /** The subscription if the caller owns it (its organisation's, or any for an admin); 404 otherwise. */
  const findFor = async (caller: Caller, webhookId: string): Promise<SubscriptionDocument> => {
    const scope = applicantScope(caller);
    const subscription = await model.findById(webhookId).lean<SubscriptionDocument>();
    if (!subscription?.active || (scope && subscription.organisationId !== scope)) throw notFound(`Webhook ${webhookId}`);
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
      const allowed = organisationId ? options.organisationEventTypes : options.backOfficeEventTypes;
      const eventTypes = [...new Set(request.body.eventTypes)];
      const errors: ProblemError[] = eventTypes.flatMap((type, i) =>
        allowed.includes(type)
          ? []
          : [{ in: 'body' as const, name: 'eventTypes', pointer: `#/eventTypes/${i}`, detail: `${type} cannot be subscribed to${catalogue.get(type) ? ' here' : ' (unknown event type)'}; allowed: ${allowed.join(', ')}` }],
      );
      const refusals = await targets.refusalsOf(new URL(request.body.url));
      errors.push(...refusals.map((refusal): ProblemError => ({ in: 'rule', name: refusal.rule, pointer: '#/url', detail: refusal.detail })));
      if (errors.length > 0) throw unprocessable('The webhook cannot be registered', errors);
      const webhookId = randomUUID();
      const scope = organisationId ?? BACK_OFFICE; // the back-office's webhooks count as one more organisation's
      const quotaSlot = await quota.take(scope, webhookId);
      if (!quotaSlot) {
        const limit = settings.WEBHOOK_MAX_PER_ORGANISATION;
        throw unprocessable(`At most ${limit} webhooks`, [{ in: 'rule', name: 'webhook-limit', detail: `${organisationId ? 'an organisation' : 'the back-office'} has at most ${limit} webhooks: delete one first` }]);
      }
      const secret = generateSecret();
      const subscription: SubscriptionDocument = {
        _id: webhookId,
        ...(organisationId ? { organisationId } : {}),
        url: request.body.url,
        eventTypes,
        scope,
        active: true,
        ...(request.body.description ? { description: request.body.description } : {}),
        sealedSecret: secrets.seal(secret, webhookId),
        quotaSlot,
        replayWindow: NO_REPLAY_WINDOW,
        createdBy: caller.userId,
        createdAt: new Date(),
      };
      try {
        await model.create(subscription);
      } catch (error) {
        await quota.release(quotaSlot, webhookId);
        throw error;
      }
      return reply.status(201).send({ ...toView(subscription), secret });
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
      const filter = { active: true, ...(scope ? { scope } : {}) };
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
      await model.updateOne({ _id: subscription._id, active: true }, { $set: { active: false, deletedAt: new Date() } });
      await quota.release(subscription.quotaSlot, subscription._id);
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
        description: 'At most `WEBHOOK_REPLAYS_PER_MINUTE` replays per webhook and minute; beyond, 429 with `Retry-After`.',
        params: idParams.extend({ deliveryId: z.string().min(1).max(300) }),
        response: { 202: deliveryView },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const subscription = await findFor(caller, request.params.webhookId);
      const admission = await admitReplay(model, subscription._id, settings.WEBHOOK_REPLAYS_PER_MINUTE);
      if (!admission.admitted) {
        const limit = settings.WEBHOOK_REPLAYS_PER_MINUTE;
        const problem = new HttpProblem(429, 'webhook-replay-limit', 'Too many replays', `At most ${limit} replays per webhook and minute`, [
          { in: 'rule', name: 'webhook-replay-limit', detail: `at most ${limit} replays per webhook and minute; try again in ${admission.retryAfterSeconds} s` },
        ]);
        reply.header('retry-after', String(admission.retryAfterSeconds));
        return sendProblem(reply, problem.toProblem(request.url));
      }
      const existing = await deliveries.model.findById(request.params.deliveryId).lean<DeliveryDocument>();
      if (!existing || existing.webhook?.subscriptionId !== subscription._id) throw notFound(`Delivery ${request.params.deliveryId}`);
      const replayed = await deliveries.replay(existing._id, caller.userId);
      if (!replayed) throw conflict(`Delivery ${existing._id} is ${existing.status}: only a sent or failed delivery can be replayed`);
      return reply.status(202).send(toDeliveryView(replayed));
    },
  );

  return webhooks;
}
