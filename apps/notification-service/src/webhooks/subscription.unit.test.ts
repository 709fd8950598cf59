import { describe, expect, it } from 'vitest';
import { newEvent } from '@aap/messaging';
import { DossierDecisionReopened, DossierSubmitted } from '@aap/contracts';
import { decider, thenOf } from '@aap/test-harness/decider-spec';
import { applicant, dossierSnapshot, routedEventData, submittedData } from '../testing/fixtures';
import { admitReplay, BACK_OFFICE, NO_REPLAY_WINDOW, registrationViolations, replayRetryAfterSeconds, sealSecret, subscribe, unsubscribe, type Subscribe, type Subscription } from './subscription';
import { webhookDeliveriesOf } from './webhooks.handlers';

const NOW = new Date('2026-04-02T10:00:00Z');
const seconds = (s: number) => new Date(NOW.getTime() + s * 1000);
const ORGANISATION_TYPES = ['dossier.accepted.v3', 'dossier.decision-reopened.v2'];

const command: Subscribe = {
  id: 'hook-1',
  organisationId: '216901231',
  url: 'https://hooks.example.fr/aap',
  eventTypes: ['dossier.accepted.v3', 'dossier.accepted.v3'],
  allowedEventTypes: ORGANISATION_TYPES,
  targetRefusals: [],
  sealedSecret: 'v1.sealed',
  quotaSlot: '216901231:1',
  maxPerScope: 3,
  by: 'u1',
};
const live: Subscription = {
  id: 'hook-1',
  organisationId: '216901231',
  scope: '216901231',
  active: true,
  url: 'https://hooks.example.fr/aap',
  eventTypes: ['dossier.accepted.v3'],
  sealedSecret: 'v1.sealed',
  quotaSlot: '216901231:1',
  replayWindow: NO_REPLAY_WINDOW,
  createdBy: 'u1',
  createdAt: NOW,
  version: 1,
};

describe('a webhook subscription', () => {
  describe('subscribe', () => {
    it('given none, when an organisation subscribes with a slot, then it is live in its scope, each event type once', () => {
      thenOf(subscribe(null, command, NOW)).thenState({ scope: '216901231', active: true, eventTypes: ['dossier.accepted.v3'], quotaSlot: '216901231:1', replayWindow: NO_REPLAY_WINDOW }).then();
    });
    it('given none, when an admin subscribes, then it is a back-office subscription', () => {
      const { organisationId: _organisation, ...admin } = command;
      thenOf(subscribe(null, admin, NOW)).thenState({ scope: BACK_OFFICE, active: true });
    });
    it('given none, when the scope has no slot left, then it is refused by webhook-limit', () => {
      thenOf(subscribe(null, { ...command, quotaSlot: undefined }, NOW)).thenRefused('webhook-limit');
    });
    it('given none, when event types are not allowed and the target is refused, then each is named', () => {
      const refused = thenOf(
        subscribe(null, { ...command, eventTypes: ['dossier.accepted.v3', 'organisation.registered.v1', 'nope.v1'], targetRefusals: [{ rule: 'webhook-target-public', detail: 'loopback address' }] }, NOW),
      ).thenRefused('eventTypes', 'eventTypes', 'webhook-target-public');
      expect(refused.decision).toMatchObject({ violations: [{ pointer: '#/eventTypes/1', detail: expect.stringContaining('here') }, { pointer: '#/eventTypes/2', detail: expect.stringContaining('unknown event type') }, { pointer: '#/url' }] });
    });
    it('given it was written (a retried write), when it is subscribed again, then nothing happens', () => {
      decider(subscribe).given(live).when(command, NOW).thenNothingHappens();
    });
    it('the registration rules are checked on their own before a slot is taken', () => {
      expect(registrationViolations(command)).toEqual([]);
      expect(registrationViolations({ ...command, eventTypes: ['call.published.v1'] }).map((v) => v.name)).toEqual(['eventTypes']);
    });
  });

  describe('unsubscribe', () => {
    it('given a live subscription, when it is deleted, then it is inactive from now', () => {
      decider(unsubscribe).given(live).when(NOW).thenState({ active: false, deletedAt: NOW }).then();
    });
    it('given a deleted subscription, when it is deleted again, then nothing happens', () => {
      decider(unsubscribe).given({ ...live, active: false, deletedAt: NOW }).when(seconds(5)).thenNothingHappens();
    });
  });

  describe('replays', () => {
    it('given no open window, when a replay is asked, then a window opens with one replay', () => {
      decider(admitReplay).given(live).when({ perWindow: 2 }, NOW).thenState({ replayWindow: { startedAt: NOW, count: 1 } });
    });
    it('given an open window below the limit, when a replay is asked, then it counts in the same window', () => {
      decider(admitReplay).given({ ...live, replayWindow: { startedAt: NOW, count: 1 } }).when({ perWindow: 2 }, seconds(10)).thenState({ replayWindow: { startedAt: NOW, count: 2 } });
    });
    it('given an open window at the limit, when a replay is asked, then it is refused until the window ends', () => {
      const full = { ...live, replayWindow: { startedAt: NOW, count: 2 } };
      decider(admitReplay).given(full).when({ perWindow: 2 }, seconds(20)).thenRefused('webhook-replay-limit');
      expect(replayRetryAfterSeconds(full, seconds(20))).toBe(40);
    });
    it('given a window at the limit that ended, when a replay is asked, then a new window opens', () => {
      decider(admitReplay).given({ ...live, replayWindow: { startedAt: NOW, count: 2 } }).when({ perWindow: 2 }, seconds(60)).thenState({ replayWindow: { startedAt: seconds(60), count: 1 } });
    });
  });

  describe('secrets', () => {
    it('given a secret written in clear by an earlier version, when it is sealed, then only the sealed form stays', () => {
      const { sealedSecret: _sealed, ...legacy } = live;
      decider(sealSecret).given({ ...legacy, secret: 'whsec_clear' }).when('v1.new').thenState({ sealedSecret: 'v1.new', secret: undefined });
    });
    it('given a sealed secret, when it is sealed again, then nothing happens', () => {
      decider(sealSecret).given(live).when('v1.other').thenNothingHappens();
    });
  });
});

describe('the webhook deliveries of an event', () => {
  const organisation = applicant('216901231');
  const data = routedEventData({ dossierId: 'dossier-w', number: 'AAP-2026-000900', callId: 'call-w', organisation })['dossier.decision-reopened.v2'];
  const { envelope: event } = newEvent('evaluation', DossierDecisionReopened, data);
  const wanting = { ...live, eventTypes: ['dossier.decision-reopened.v2'] };

  it('one per live subscription wanting its type, keyed by event and subscription; an organisation gets its applicant view', () => {
    const [delivery, ...others] = webhookDeliveriesOf(event, [wanting, { ...live, id: 'hook-2' }], '216901231', 'dossier-w');
    expect(others).toEqual([]);
    expect(delivery).toMatchObject({ id: `${event.id}:hook-1`, channel: 'webhook', organisationId: '216901231', dossierId: 'dossier-w', webhook: { subscriptionId: 'hook-1' } });
    expect(delivery!.webhook!.envelope.data).not.toHaveProperty('reason');
  });

  it('the back-office gets the whole event', () => {
    const [delivery] = webhookDeliveriesOf(event, [{ ...wanting, organisationId: undefined, scope: BACK_OFFICE }], null);
    expect(delivery!.webhook!.envelope.data).toMatchObject({ reason: data.reason });
    expect(delivery).not.toHaveProperty('organisationId');
  });

  it('a subscription to a superseded version of the event receives its current version; another version of another event, nothing', () => {
    const { envelope: submitted } = newEvent('submission', DossierSubmitted, submittedData(dossierSnapshot('dossier-w', 'AAP-2026-000900', 'call-w', organisation)));
    const onV1 = { ...live, eventTypes: ['dossier.submitted.v1'] };
    const [delivery, ...others] = webhookDeliveriesOf(submitted, [onV1, { ...live, id: 'hook-2', eventTypes: ['dossier.resubmitted.v1'] }], '216901231', 'dossier-w');
    expect(others).toEqual([]);
    expect(delivery).toMatchObject({ id: `${submitted.id}:hook-1`, eventType: 'dossier.submitted.v2', webhook: { subscriptionId: 'hook-1' } });
  });
});
