import { z } from 'zod';
import type { Delivery } from './delivery';

export const deliveryView = z.object({
  deliveryId: z.string(),
  channel: z.enum(['email', 'webhook']),
  status: z.enum(['pending', 'sending', 'sent', 'failed']),
  eventId: z.string(),
  eventType: z.string(),
  organisationId: z.string().optional(),
  dossierId: z.string().optional(),
  /** E-mail: the recipient's address; webhook: the subscription id. */
  recipient: z.string(),
  subject: z.string().optional(),
  attempts: z.number().int(),
  nextAttemptAt: z.string().optional(),
  lastError: z.string().optional(),
  createdAt: z.string(),
  sentAt: z.string().optional(),
  failedAt: z.string().optional(),
  log: z.array(
    z.object({
      attempt: z.number().int(),
      at: z.string(),
      outcome: z.enum(['sent', 'failed', 'replay-requested']),
      durationMs: z.number().optional(),
      statusCode: z.number().int().optional(),
      detail: z.string().optional(),
    }),
  ),
});

const iso = (date: Date | undefined) => (date ? { value: new Date(date).toISOString() } : undefined);

export function toDeliveryView(d: Delivery): z.infer<typeof deliveryView> {
  return {
    deliveryId: d.id,
    channel: d.channel,
    status: d.status,
    eventId: d.eventId,
    eventType: d.eventType,
    ...(d.organisationId ? { organisationId: d.organisationId } : {}),
    ...(d.dossierId ? { dossierId: d.dossierId } : {}),
    recipient: d.channel === 'email' ? (d.email?.to.address ?? '') : (d.webhook?.subscriptionId ?? ''),
    ...(d.email ? { subject: d.email.subject } : {}),
    attempts: d.attempts,
    ...(d.status === 'pending' ? { nextAttemptAt: iso(d.nextAttemptAt)!.value } : {}),
    ...(d.lastError ? { lastError: d.lastError } : {}),
    createdAt: new Date(d.createdAt).toISOString(),
    ...(d.sentAt ? { sentAt: iso(d.sentAt)!.value } : {}),
    ...(d.failedAt ? { failedAt: iso(d.failedAt)!.value } : {}),
    log: (d.log ?? []).map((entry) => ({
      attempt: entry.attempt,
      at: new Date(entry.at).toISOString(),
      outcome: entry.outcome,
      ...(entry.durationMs !== undefined ? { durationMs: entry.durationMs } : {}),
      ...(entry.statusCode !== undefined ? { statusCode: entry.statusCode } : {}),
      ...(entry.detail ? { detail: entry.detail } : {}),
    })),
  };
}
