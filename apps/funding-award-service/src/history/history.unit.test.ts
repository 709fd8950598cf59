import { describe, expect, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import type { EventEnvelope } from '@aap/contracts';
import { awardWithPaidAdvance } from '../award-fixtures';
import { appendEntry, emptyHistory, entryOf, scheduleOf, type AwardHistory } from './history';

const reference = { awardId: 'award-d-1', dossierId: 'd-1', number: 'AAP-2027-000001', callId: 'call-1', waveId: 'vague-1', organisationId: '216901231' };
const envelope = (id: string, type: string, data: Record<string, unknown>): EventEnvelope => ({
  specversion: '1.0',
  id,
  type: `${type}.v1`,
  source: '/aap/funding-award',
  subject: 'award-d-1',
  time: '2027-02-01T10:00:01.000Z',
  datacontenttype: 'application/json',
  correlationid: id,
  data: { ...reference, ...data },
});
const released = envelope('e-2', 'tranche.released', { at: '2027-02-01T10:00:00.000Z', trancheId: 'T1', kind: 'advance', amountCents: 600_000, releasedBy: 'finance-2', bankDetailsId: 'B1', iban: 'FR7630006000011234567890189' });
const granted = envelope('e-1', 'award.granted', { at: '2027-01-10T09:00:00.000Z', grantCents: 2_000_000 });
const paid = envelope('e-3', 'tranche.paid', { at: '2027-02-01T10:00:00.000Z', trancheId: 'T1', kind: 'advance', amountCents: 600_000, paymentReference: 'PAY-1', paidOn: '2027-02-01' });

describe('an award’s history', () => {
  it('says who, what and when, without the award reference, the IBAN masked', () => {
    expect(entryOf(released)).toEqual({
      eventId: 'e-2',
      type: 'tranche.released',
      at: '2027-02-01T10:00:00.000Z',
      by: 'finance-2',
      details: { trancheId: 'T1', kind: 'advance', amountCents: 600_000, releasedBy: 'finance-2', bankDetailsId: 'B1', iban: 'FR76 **** 0189' },
    });
    expect(entryOf(granted).by).toBeNull();
  });

  const spec = decider(appendEntry);
  const withEntries = (...events: EventEnvelope[]): AwardHistory => ({ ...emptyHistory('award-d-1'), entries: events.map(entryOf) });

  it('given entries, when an event of the same instant comes, then it goes after them (events of one write, in their order)', () => {
    spec.given(withEntries(granted, released)).when(entryOf(paid)).thenState({ entries: [granted, released, paid].map(entryOf) });
  });

  it('given entries, when an earlier event arrives late, then it takes its place in time', () => {
    spec.given(withEntries(released, paid)).when(entryOf(granted)).thenState({ entries: [granted, released, paid].map(entryOf) });
  });

  it('given an entry, when its event is delivered again, then nothing happens', () => {
    spec.given(withEntries(granted, released)).when(entryOf(released)).thenNothingHappens();
  });
});

describe('an award’s schedule', () => {
  it('shows the caps, what was asked and paid per kind of tranche, the deadlines and each tranche', () => {
    const schedule = scheduleOf(awardWithPaidAdvance());
    expect(schedule).toMatchObject({
      grantCents: 2_000_000,
      effectiveRateBps: 5_000,
      advance: { capCents: 600_000, askedCents: 600_000, paidCents: 600_000 },
      interim: { capWithAdvanceCents: 1_600_000, askedCents: 0, paidCents: 0 },
      balance: { askedCents: 0, paidCents: 0 },
      paidCents: 600_000,
      outstandingCents: 1_400_000,
      deadlines: { startedOn: '2027-01-15' },
      tranches: [{ trancheId: 'award-d-1-T1', kind: 'advance', status: 'paid', amountCents: 600_000, paidOn: '2027-02-01', paymentReference: 'PAY-award-d-1-T1' }],
    });
  });
});
