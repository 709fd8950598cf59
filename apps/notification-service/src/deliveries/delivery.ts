import { accepted, wrongStatus, type Decision, type EventEnvelope, type Versioned } from '@aap/contracts';
import { afterFailure } from './backoff';

/**
 * One e-mail or webhook to send, and its attempts. Pure decisions over its state; the queue
 * (delivery-queue.ts) runs them through the command handler, so two claimers (the immediate path and
 * the scheduler, or two instances) never send it at the same time: a claim is decided on a version,
 * and the loser of the race decides again on what the winner wrote.
 *
 * pending ──claim──▶ sending ──sent──▶ sent        (recorded claimed when it can be attempted at once;
 *    ▲                  │  ▲ renew (lease)           a live holder renews its lease while it works)
 *    └── backoff ◀──────┴──failed──▶ failed (after the last attempt, or a permanent error)
 *
 * sent | failed ──replay──▶ pending (same content, same ids, a new series of attempts)
 */
export const CHANNELS = ['email', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];
export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface EmailPayload {
  to: { name?: string; address: string };
  subject: string;
  text: string;
  html: string;
  category: string;
}

export interface WebhookPayload {
  subscriptionId: string;
  /** The CloudEvent as consumed: sent in structured mode (the whole envelope with its data). */
  envelope: EventEnvelope;
}

export interface AttemptLog {
  attempt: number;
  at: Date;
  outcome: 'sent' | 'failed' | 'replay-requested';
  durationMs?: number;
  statusCode?: number;
  detail?: string;
}

export interface Delivery extends Versioned {
  id: string;
  channel: Channel;
  status: DeliveryStatus;
  eventId: string;
  eventType: string;
  organisationId?: string;
  dossierId?: string;
  email?: EmailPayload;
  webhook?: WebhookPayload;
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil?: Date;
  claimToken?: string;
  lastError?: string;
  log: AttemptLog[];
  createdAt: Date;
  sentAt?: Date;
  failedAt?: Date;
}

export type NewDelivery = Pick<Delivery, 'id' | 'channel' | 'eventId' | 'eventType' | 'organisationId' | 'dossierId' | 'email' | 'webhook'>;

/** How failed attempts are retried. */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** What an attempt measured and the channel answered. */
export interface AttemptReport {
  /** The claim the attempt was made under: only its holder records the outcome. */
  claimToken: string;
  durationMs: number;
  statusCode?: number;
  detail?: string;
}

/** Records a delivery, due at once; the same delivery recorded again (the same event seen again) changes nothing. */
export function record(existing: Delivery | null, delivery: NewDelivery, now: Date): Decision<Delivery> {
  if (existing) return accepted(existing);
  return accepted({ ...delivery, version: 0, status: 'pending', attempts: 0, nextAttemptAt: now, log: [], createdAt: now });
}

/**
 * Takes a delivery for one attempt, under a lease: a pending one that is due, or a sending one whose
 * lease expired (its claimer crashed or stopped). Anything else is someone else's, or not due.
 */
export function claim(delivery: Delivery, command: { claimToken: string; leaseMs: number }, now: Date): Decision<Delivery> {
  const due = delivery.status === 'pending' && new Date(delivery.nextAttemptAt).getTime() <= now.getTime();
  const abandoned = delivery.status === 'sending' && delivery.leaseUntil !== undefined && new Date(delivery.leaseUntil).getTime() <= now.getTime();
  if (!due && !abandoned) return wrongStatus(delivery.status, `delivery ${delivery.id} is ${delivery.status}${delivery.status === 'pending' ? ' and not due yet' : ''}: not claimable now`);
  return accepted({ ...delivery, status: 'sending', leaseUntil: new Date(now.getTime() + command.leaseMs), claimToken: command.claimToken });
}

/** A holder that lost its claim (its lease expired and another took it) records nothing. */
const holds = (delivery: Delivery, claimToken: string) => delivery.status === 'sending' && delivery.claimToken === claimToken;

/**
 * The holder of a claim, still at work (a slow receiver), extends its lease: a live attempt keeps its
 * delivery however long it takes, so the lease can be short and a crashed holder's delivery is taken
 * back soon. A claim lost meanwhile is not extended.
 */
export function renewClaim(delivery: Delivery, command: { claimToken: string; leaseMs: number }, now: Date): Decision<Delivery> {
  if (!holds(delivery, command.claimToken)) return accepted(delivery);
  return accepted({ ...delivery, leaseUntil: new Date(now.getTime() + command.leaseMs) });
}

/** What the log keeps of an attempt (no undefined field: the store writes what it is given). */
const measuresOf = ({ durationMs, statusCode, detail }: AttemptReport): Pick<AttemptLog, 'durationMs' | 'statusCode' | 'detail'> => ({
  durationMs,
  ...(statusCode ? { statusCode } : {}),
  ...(detail ? { detail } : {}),
});

/** The attempt succeeded: sent. */
export function attemptSucceeded(delivery: Delivery, report: AttemptReport, now: Date): Decision<Delivery> {
  if (!holds(delivery, report.claimToken)) return accepted(delivery);
  const attempt = delivery.attempts + 1;
  return accepted({
    ...delivery,
    status: 'sent',
    sentAt: now,
    attempts: attempt,
    leaseUntil: undefined,
    claimToken: undefined,
    lastError: undefined,
    log: [...delivery.log, { attempt, at: now, outcome: 'sent', ...measuresOf(report) }],
  });
}

/** The attempt failed: retried after its backoff, or failed for good after the last one (or at once when retrying cannot help). */
export function attemptFailed(delivery: Delivery, report: AttemptReport & { detail: string; permanent?: boolean }, policy: RetryPolicy, now: Date): Decision<Delivery> {
  if (!holds(delivery, report.claimToken)) return accepted(delivery);
  const attempt = delivery.attempts + 1;
  const next = afterFailure(attempt, now, policy, report.permanent);
  const detail = report.detail.slice(0, 1_000);
  return accepted({
    ...delivery,
    attempts: attempt,
    lastError: detail,
    ...(next.status === 'failed' ? { status: 'failed', failedAt: now } : { status: 'pending', nextAttemptAt: next.nextAttemptAt }),
    leaseUntil: undefined,
    claimToken: undefined,
    log: [
      ...delivery.log,
      { attempt, at: now, outcome: 'failed', ...measuresOf({ ...report, detail }) },
    ],
  });
}

/** Sends a sent or failed delivery again, at once: a new series of attempts, same content, same ids. */
export function replay(delivery: Delivery, command: { requestedBy: string }, now: Date): Decision<Delivery> {
  if (delivery.status !== 'sent' && delivery.status !== 'failed') {
    return wrongStatus(delivery.status, `Delivery ${delivery.id} is ${delivery.status}: only a sent or failed delivery can be replayed`);
  }
  return accepted({
    ...delivery,
    status: 'pending',
    nextAttemptAt: now,
    attempts: 0,
    failedAt: undefined,
    sentAt: undefined,
    log: [...delivery.log, { attempt: 0, at: now, outcome: 'replay-requested', detail: `replay requested by ${command.requestedBy}` }],
  });
}
