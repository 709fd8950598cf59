import { accepted, catalogue, refused, type Decision, type Versioned, type Violation } from '@aap/contracts';

/**
 * A webhook subscription: an organisation (applicant) subscribes a URL to its own applicant-facing
 * events; an admin subscribes a back-office system to any event this service consumes, for every
 * organisation. Pure decisions over its state; the routes run them through the command handler.
 */
export interface Subscription extends Versioned {
  id: string;
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
  replayWindow: ReplayWindow;
  createdBy: string;
  createdAt: Date;
  deletedAt?: Date;
}

/** The scope of the back-office's subscriptions (an organisation id is digits: no collision). */
export const BACK_OFFICE = 'back-office';

/** Replays of a subscription counted in a fixed window. */
export interface ReplayWindow {
  startedAt: Date;
  count: number;
}

export const REPLAY_WINDOW_MS = 60_000;

/** A window that is not open (epoch): every subscription is written with one. */
export const NO_REPLAY_WINDOW: ReplayWindow = { startedAt: new Date(0), count: 0 };

/** A target the policy refused (target-policy.ts: resolved and classified before deciding). */
export interface TargetRefusal {
  rule: string;
  detail: string;
}

export interface Registration {
  eventTypes: readonly string[];
  /** What the caller may subscribe to: an organisation its applicant-facing events, the back-office every consumed event. */
  allowedEventTypes: readonly string[];
  targetRefusals: readonly TargetRefusal[];
}

export interface Subscribe extends Registration {
  id: string;
  organisationId?: string;
  url: string;
  description?: string;
  sealedSecret: string;
  /** The webhook slot taken for it (limits.ts); undefined when the scope had none left. */
  quotaSlot: string | undefined;
  maxPerScope: number;
  by: string;
}

/** The rules a registration must meet before a webhook slot is taken for it: event types it may ask for, a target the policy admits. */
export function registrationViolations({ eventTypes, allowedEventTypes, targetRefusals }: Registration): Violation[] {
  return [
    ...eventTypes.flatMap((type, i) =>
      allowedEventTypes.includes(type)
        ? []
        : [{ name: 'eventTypes', pointer: `#/eventTypes/${i}`, detail: `${type} cannot be subscribed to${catalogue.get(type) ? ' here' : ' (unknown event type)'}; allowed: ${allowedEventTypes.join(', ')}` }],
    ),
    ...targetRefusals.map((refusal) => ({ name: refusal.rule, pointer: '#/url', detail: refusal.detail })),
  ];
}

/** Registers a webhook holding a slot of its scope (the same id seen again, a retried write, changes nothing). */
export function subscribe(existing: Subscription | null, command: Subscribe, now: Date): Decision<Subscription> {
  if (existing) return accepted(existing);
  const violations = registrationViolations(command);
  if (violations.length > 0) return refused(violations);
  if (!command.quotaSlot) {
    return refused([{ name: 'webhook-limit', detail: `${command.organisationId ? 'an organisation' : 'the back-office'} has at most ${command.maxPerScope} webhooks: delete one first` }]);
  }
  return accepted({
    id: command.id,
    ...(command.organisationId ? { organisationId: command.organisationId } : {}),
    // The back-office's webhooks count as one more organisation's.
    scope: command.organisationId ?? BACK_OFFICE,
    active: true,
    url: command.url,
    eventTypes: [...new Set(command.eventTypes)],
    ...(command.description ? { description: command.description } : {}),
    sealedSecret: command.sealedSecret,
    quotaSlot: command.quotaSlot,
    replayWindow: NO_REPLAY_WINDOW,
    createdBy: command.by,
    createdAt: now,
    version: 0,
  });
}

/** Deletes a webhook: nothing more is sent to it (deleting it again changes nothing). */
export function unsubscribe(subscription: Subscription, now: Date): Decision<Subscription> {
  if (!subscription.active) return accepted(subscription);
  return accepted({ ...subscription, active: false, deletedAt: now });
}

const openWindow = (subscription: Subscription, now: Date): ReplayWindow | undefined =>
  now.getTime() - new Date(subscription.replayWindow.startedAt).getTime() < REPLAY_WINDOW_MS ? subscription.replayWindow : undefined;

/** Seconds until a subscription may replay again (at least 1). */
export function replayRetryAfterSeconds(subscription: Subscription, now: Date): number {
  const open = openWindow(subscription, now);
  return open ? Math.max(1, Math.ceil((new Date(open.startedAt).getTime() + REPLAY_WINDOW_MS - now.getTime()) / 1000)) : 1;
}

/** Counts one replay against the subscription's window: at most `perWindow` a minute. */
export function admitReplay(subscription: Subscription, command: { perWindow: number }, now: Date): Decision<Subscription> {
  const open = openWindow(subscription, now);
  if (open && open.count >= command.perWindow) {
    const detail = `at most ${command.perWindow} replays per webhook and minute; try again in ${replayRetryAfterSeconds(subscription, now)} s`;
    return refused([{ name: 'webhook-replay-limit', detail }]);
  }
  const replayWindow = open ? { startedAt: new Date(open.startedAt), count: open.count + 1 } : { startedAt: now, count: 1 };
  return accepted({ ...subscription, replayWindow });
}

/** Encrypts a secret written in clear by an earlier version (`sealed` is its sealed form); nothing when it is sealed already. */
export function sealSecret(subscription: Subscription, sealed: string): Decision<Subscription> {
  if (subscription.sealedSecret || !subscription.secret) return accepted(subscription);
  return accepted({ ...subscription, sealedSecret: sealed, secret: undefined });
}
