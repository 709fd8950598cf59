import { describe, it } from 'vitest';
import { decider, thenOf } from '@aap/test-harness/decider-spec';
import { attemptFailed, attemptSucceeded, claim, record, renewClaim, replay, type Delivery, type NewDelivery } from './delivery';

const NOW = new Date('2026-04-02T10:00:00Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);
const POLICY = { maxAttempts: 3, baseMs: 1_000, maxMs: 60_000 };

const newDelivery: NewDelivery = {
  id: 'event-1:216901231:elodie@example.fr',
  channel: 'email',
  eventId: 'event-1',
  eventType: 'dossier.submitted.v2',
  organisationId: '216901231',
  email: { to: { address: 'elodie@example.fr' }, subject: 'Accusé', text: '…', html: '<p>…</p>', category: 'dossier-status' },
};
const pending: Delivery = { ...newDelivery, version: 1, status: 'pending', attempts: 0, nextAttemptAt: NOW, log: [], createdAt: NOW };
const sending: Delivery = { ...pending, version: 2, status: 'sending', leaseUntil: later(60_000), claimToken: 'claim-1' };
const sent: Delivery = { ...pending, version: 3, status: 'sent', attempts: 1, sentAt: NOW, log: [{ attempt: 1, at: NOW, outcome: 'sent', durationMs: 12 }] };
const failed: Delivery = { ...pending, version: 5, status: 'failed', attempts: 3, failedAt: NOW, lastError: 'HTTP 503' };

describe('a delivery', () => {
  describe('recorded', () => {
    it('given none, when it is recorded, then it is pending and due now', () => {
      thenOf(record(null, newDelivery, NOW)).thenState({ status: 'pending', attempts: 0, nextAttemptAt: NOW, log: [] }).then();
    });
    it('given it exists (the same event seen again), when it is recorded again, then nothing happens', () => {
      decider(record).given(sent).when(newDelivery, NOW).thenNothingHappens();
    });
  });

  describe('claimed', () => {
    const command = { claimToken: 'claim-2', leaseMs: 70_000 };
    it('given a due pending delivery, when it is claimed, then it is sending under the claim, with a lease', () => {
      decider(claim).given(pending).when(command, NOW).thenState({ status: 'sending', claimToken: 'claim-2', leaseUntil: later(70_000) }).then();
    });
    it('given a pending delivery not due yet (its backoff), when it is claimed, then it is not claimable', () => {
      decider(claim).given({ ...pending, nextAttemptAt: later(1) }).when(command, NOW).thenWrongStatus('pending');
    });
    it('given a delivery sending under a live lease, when another claims it, then it is not claimable (never sent twice at once)', () => {
      decider(claim).given(sending).when(command, NOW).thenWrongStatus('sending');
    });
    it('given a delivery whose claimer’s lease expired, when it is claimed, then it is taken over under a new claim', () => {
      decider(claim).given(sending).when(command, later(60_000)).thenState({ status: 'sending', claimToken: 'claim-2' });
    });
    it('given a sent delivery, when it is claimed, then it is not claimable', () => {
      decider(claim).given(sent).when(command, NOW).thenWrongStatus('sent');
    });
  });

  describe('its claim renewed', () => {
    it('given its claim, when its holder renews it, then the lease runs from now', () => {
      decider(renewClaim).given(sending).when({ claimToken: 'claim-1', leaseMs: 15_000 }, later(10_000)).thenState({ status: 'sending', claimToken: 'claim-1', leaseUntil: later(25_000) }).then();
    });
    it('given another claimer took it over, when the first one renews, then nothing changes', () => {
      decider(renewClaim).given({ ...sending, claimToken: 'claim-2' }).when({ claimToken: 'claim-1', leaseMs: 15_000 }, NOW).thenNothingHappens();
    });
    it('given it was sent meanwhile, when a renewal comes late, then nothing changes', () => {
      decider(renewClaim).given(sent).when({ claimToken: 'claim-1', leaseMs: 15_000 }, NOW).thenNothingHappens();
    });
  });

  describe('an attempt', () => {
    it('given its claim, when the attempt succeeds, then it is sent, logged once, the claim given back', () => {
      decider(attemptSucceeded)
        .given(sending)
        .when({ claimToken: 'claim-1', durationMs: 40, statusCode: 200 }, NOW)
        .thenState({ status: 'sent', attempts: 1, sentAt: NOW, claimToken: undefined, leaseUntil: undefined, log: [{ attempt: 1, at: NOW, outcome: 'sent', durationMs: 40, statusCode: 200 }] })
        .then();
    });
    it('given another claimer took it over, when the first one’s attempt ends, then nothing is recorded by it', () => {
      decider(attemptSucceeded).given({ ...sending, claimToken: 'claim-2' }).when({ claimToken: 'claim-1', durationMs: 40 }, NOW).thenNothingHappens();
      decider(attemptFailed).given({ ...sending, claimToken: 'claim-2' }).when({ claimToken: 'claim-1', durationMs: 40, detail: 'timeout' }, POLICY, NOW).thenNothingHappens();
    });
    it('given its claim, when the attempt fails, then it is pending again after its backoff, with the reason', () => {
      decider(attemptFailed)
        .given(sending)
        .when({ claimToken: 'claim-1', durationMs: 40, detail: 'HTTP 500', statusCode: 500 }, POLICY, NOW)
        .thenState({ status: 'pending', attempts: 1, nextAttemptAt: later(1_000), lastError: 'HTTP 500', claimToken: undefined, log: [{ attempt: 1, outcome: 'failed', statusCode: 500, detail: 'HTTP 500' }] });
    });
    it('given its last allowed attempt, when it fails, then it failed for good', () => {
      decider(attemptFailed)
        .given({ ...sending, attempts: 2 })
        .when({ claimToken: 'claim-1', durationMs: 40, detail: 'HTTP 503' }, POLICY, NOW)
        .thenState({ status: 'failed', attempts: 3, failedAt: NOW, lastError: 'HTTP 503' });
    });
    it('given its first attempt, when it fails in a way retrying cannot help, then it failed for good at once', () => {
      decider(attemptFailed)
        .given(sending)
        .when({ claimToken: 'claim-1', durationMs: 5, detail: 'SMTP: mailbox unknown', permanent: true, statusCode: 550 }, POLICY, NOW)
        .thenState({ status: 'failed', attempts: 1 });
    });
  });

  describe('replayed', () => {
    it('given a sent delivery, when a replay is requested, then it is pending at once for a new series of attempts, logged', () => {
      decider(replay)
        .given(sent)
        .when({ requestedBy: 'u1' }, NOW)
        .thenState({ status: 'pending', attempts: 0, nextAttemptAt: NOW, sentAt: undefined, log: [...sent.log, { attempt: 0, at: NOW, outcome: 'replay-requested', detail: 'replay requested by u1' }] });
    });
    it('given a failed delivery, when a replay is requested, then it is pending again', () => {
      decider(replay).given(failed).when({ requestedBy: 'u1' }, NOW).thenState({ status: 'pending', attempts: 0, failedAt: undefined });
    });
    it('given a delivery still pending or sending, when a replay is requested, then it is refused for its status', () => {
      decider(replay).given(pending).when({ requestedBy: 'u1' }, NOW).thenWrongStatus('pending');
      decider(replay).given(sending).when({ requestedBy: 'u1' }, NOW).thenWrongStatus('sending');
    });
  });
});
