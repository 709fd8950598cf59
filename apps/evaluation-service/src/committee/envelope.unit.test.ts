import { describe, expect, it } from 'vitest';
import type { Ledger, PromotionProposal } from './budget.store';
import { releaseAndPropose, type Waitlisted } from './envelope';

const NOW = new Date('2026-06-01T10:00:00Z');
const ledger = (reservations: Record<string, number>, promotions: PromotionProposal[] = [], envelopeCents = 1_000): Ledger => ({
  callId: 'call-1',
  envelopeCents,
  reservedCents: Object.values(reservations).reduce((a, b) => a + b, 0),
  reservations,
  promotions,
  version: 3,
});
const waiting = (dossierId: string, capCents: number, fundable = true): Waitlisted => ({ dossierId, number: `N-${dossierId}`, waveId: 'vague-1', capCents, fundable });

describe('releaseAndPropose', () => {
  it('given an approved dossier holding money, when it gives it back, then the best waitlisted dossier that fits is proposed with committee.promotion-proposed', () => {
    const decision = releaseAndPropose(ledger({ a: 600, b: 400 }), 'a', [waiting('big', 700), waiting('c', 500), waiting('d', 100)], 'decision-reopened of N-a', NOW);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { reservedCents: 400, reservations: { b: 400 }, promotions: [{ dossierId: 'c', proposedGrantCents: 500, freedCents: 600, remainingEnvelopeCents: 600 }] } });
    expect(decision.outcome === 'accepted' && decision.events.map((e) => [e.definition.type, e.data])).toEqual([
      ['committee.promotion-proposed.v1', { callId: 'call-1', waveId: 'vague-1', dossierId: 'c', number: 'N-c', proposedGrantCents: 500, remainingEnvelopeCents: 600, freedCents: 600, freedBy: 'decision-reopened of N-a', at: NOW.toISOString() }],
    ]);
  });

  it('given a pending proposal, when more money comes back, then what the pending one promises is not promised twice', () => {
    const pending: PromotionProposal = { dossierId: 'c', number: 'N-c', waveId: 'vague-1', proposedGrantCents: 500, freedCents: 600, freedBy: 'x', remainingEnvelopeCents: 600, at: NOW };
    // 400 + 300 free once b goes, 500 of it promised to c: 200 left, d (100) fits, e (300) does not.
    const decision = releaseAndPropose(ledger({ b: 300, f: 300 }, [pending]), 'b', [waiting('c', 500), waiting('e', 300), waiting('d', 100)], 'withdrawal of N-b', NOW);
    expect(decision.outcome === 'accepted' && decision.state.promotions.map((p) => p.dossierId)).toEqual(['c', 'd']);
  });

  it('given a dossier holding nothing, when it gives back, then nothing is proposed and its own pending proposal is dropped', () => {
    const pending: PromotionProposal = { dossierId: 'c', number: 'N-c', waveId: 'vague-1', proposedGrantCents: 500, freedCents: 600, freedBy: 'x', remainingEnvelopeCents: 600, at: NOW };
    const decision = releaseAndPropose(ledger({ b: 300 }, [pending]), 'c', [waiting('d', 100)], 'rejection of N-c', NOW);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { reservedCents: 300, promotions: [] }, events: [] });
  });

  it('given no waitlisted dossier that fits or is fundable, when money comes back, then it is released and nothing is proposed', () => {
    const decision = releaseAndPropose(ledger({ a: 200, b: 700 }), 'a', [waiting('big', 400), waiting('poor', 100, false)], 'x', NOW);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { reservedCents: 700, promotions: [] }, events: [] });
  });
});
