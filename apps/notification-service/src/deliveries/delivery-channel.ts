import type { Logger } from '@aap/observability';
import type { Delivery } from './delivery';

/** What a channel reports of a successful send. */
export interface SendResult {
  statusCode?: number;
  detail?: string;
}

/** A failed send; `permanent` when retrying cannot help (the delivery fails for good at once). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly options: { permanent?: boolean; statusCode?: number } = {},
  ) {
    super(message);
  }
}

/** How one channel (e-mail, webhook) sends a delivery. */
export interface DeliveryChannel {
  send(delivery: Delivery, logger: Logger): Promise<SendResult>;
}
