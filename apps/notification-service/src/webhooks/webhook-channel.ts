import type { Logger } from '@aap/observability';
import { productionWebhookProblem, type NotificationSettings } from '../config';
import { DeliveryError, type Delivery, type DeliveryChannel } from '../deliveries';
import { DEVELOPMENT_SECRET_KEY, parseSecretKey, SecretBox } from './secret-box';
import { signatureHeaders } from './signature';
import { sealSecret, type Subscription } from './subscription';
import type { SubscriptionStore } from './subscription.store';
import { TargetAllowList } from './target-address';
import { systemResolver, WebhookTargetPolicy, type HostResolver } from './target-policy';
import { postWebhook } from './webhook-request';

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
async function secretOf(store: SubscriptionStore, subscription: Subscription, secrets: SecretBox): Promise<string> {
  if (subscription.sealedSecret) return secrets.open(subscription.sealedSecret, subscription.id);
  const clear = subscription.secret;
  if (!clear) throw new DeliveryError('the subscription has no secret', { permanent: true });
  await store.commands.handleExisting(subscription.id, (current) => sealSecret(current, secrets.seal(clear, subscription.id)));
  return clear;
}

/**
 * Sends a webhook delivery: POST of the CloudEvent (structured JSON), signed at each attempt, to an
 * address checked at connection time (webhook-request.ts). The error recorded in the delivery log
 * is a short reason; the receiver's answer body is never kept.
 */
export function webhookChannel(store: SubscriptionStore, runtime: WebhookRuntime): DeliveryChannel {
  return {
    async send(delivery: Delivery, logger: Logger) {
      const payload = delivery.webhook;
      if (!payload) throw new DeliveryError('a webhook delivery without its event', { permanent: true });
      const subscription = await store.load(payload.subscriptionId);
      if (!subscription?.active) throw new DeliveryError('the subscription was deleted', { permanent: true });
      const { specversion, id, type, source, subject, time, datacontenttype, correlationid, causationid, data } = payload.envelope;
      const body = JSON.stringify({ specversion, id, type, source, subject, time, datacontenttype, correlationid, ...(causationid ? { causationid } : {}), data });
      const headers = {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'user-agent': 'AAP-Webhooks/1.0 (+https://aap.anct.gouv.fr)',
        ...signatureHeaders(await secretOf(store, subscription, runtime.secrets), id, body),
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
