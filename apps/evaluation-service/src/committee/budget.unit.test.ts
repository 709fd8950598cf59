import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bestWaitlistedThatFits, emptyLedger, heldBy, release, remainingCents, reserve, type EnvelopeLedger } from './budget';

const ledger = (reservations: Record<string, number> = {}, envelopeCents = 1_000): EnvelopeLedger => ({
  callId: 'call-1',
  envelopeCents,
  reservedCents: Object.values(reservations).reduce((a, b) => a + b, 0),
  reservations,
  version: 4,
});

describe('reserve', () => {
  it('given room on the envelope, when a dossier is reserved, then its amount is held and the version moves on', () => {
    const decision = reserve(ledger({ a: 300 }), 'b', 500);
    expect(decision).toEqual({ outcome: 'accepted', state: { ...ledger({ a: 300, b: 500 }), version: 5 }, events: [] });
  });

  it('given a dossier already holding money, when reserved again with another amount, then its amount is replaced, not added', () => {
    const decision = reserve(ledger({ a: 300, b: 500 }), 'b', 700);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { reservedCents: 1_000, reservations: { a: 300, b: 700 } } });
  });

  it('given the same amount reserved twice, when reserved again, then the ledger is unchanged (nothing to write)', () => {
    const before = ledger({ a: 300 });
    const decision = reserve(before, 'a', 300);
    expect(decision.outcome === 'accepted' && decision.state).toBe(before);
  });

  it('given too little left, when reserved, then envelope-exceeded names the remaining and the asked amounts', () => {
    const decision = reserve(ledger({ a: 700 }), 'b', 400);
    expect(decision).toEqual({
      outcome: 'refused',
      violations: [{ name: 'envelope-exceeded', detail: "the call's envelope has 300 cents left; 400 cents asked for dossier b" }],
    });
  });

  it('given exactly what is left, when reserved, then it fits', () => {
    expect(reserve(ledger({ a: 700 }), 'b', 300)).toMatchObject({ outcome: 'accepted', state: { reservedCents: 1_000 } });
  });

  it('given a zero or fractional amount, when reserved, then it is refused', () => {
    expect(reserve(ledger(), 'a', 0)).toMatchObject({ outcome: 'refused', violations: [{ name: 'grant-amount' }] });
    expect(reserve(ledger(), 'a', 10.5)).toMatchObject({ outcome: 'refused', violations: [{ name: 'grant-amount' }] });
  });
});

describe('release', () => {
  it('given a dossier holding money, when released, then the money is back', () => {
    const decision = release(ledger({ a: 300, b: 500 }), 'a');
    expect(decision).toMatchObject({ outcome: 'accepted', state: { reservedCents: 500, reservations: { b: 500 }, version: 5 } });
    expect(decision.outcome === 'accepted' && remainingCents(decision.state)).toBe(500);
  });

  it('given a dossier holding nothing, when released, then the ledger is unchanged', () => {
    const before = ledger({ a: 300 });
    expect(release(before, 'z')).toEqual({ outcome: 'accepted', state: before, events: [] });
  });

  it('given a dossier id named like an Object property, when looked up, then it holds nothing', () => {
    expect(heldBy(ledger(), 'toString')).toBe(0);
    expect(release(ledger(), 'constructor')).toMatchObject({ outcome: 'accepted', state: { reservedCents: 0 } });
  });
});

describe('envelope invariant — property', () => {
  const command = fc.oneof(
    fc.record({ kind: fc.constant('reserve' as const), dossierId: fc.constantFrom('a', 'b', 'c', 'd', 'e'), cents: fc.integer({ min: 1, max: 600 }) }),
    fc.record({ kind: fc.constant('release' as const), dossierId: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
  );

  it('given any sequence of reserve and release, when applied, then reservedCents = Σ reservations ≤ envelope after every step', () => {
    fc.assert(
      fc.property(fc.nat(2_000), fc.array(command, { maxLength: 60 }), (envelopeCents, commands) => {
        let state = emptyLedger('call-1', envelopeCents);
        for (const c of commands) {
          const decision = c.kind === 'reserve' ? reserve(state, c.dossierId, c.cents) : release(state, c.dossierId);
          if (decision.outcome === 'accepted') state = decision.state;
          else expect(decision.outcome === 'refused' && decision.violations[0]!.name).toBe('envelope-exceeded');
          const sum = Object.values(state.reservations).reduce((a, b) => a + b, 0);
          expect(state.reservedCents).toBe(sum);
          expect(state.reservedCents).toBeLessThanOrEqual(state.envelopeCents);
          expect(Object.values(state.reservations).every((cents) => Number.isInteger(cents) && cents > 0)).toBe(true);
        }
      }),
    );
  });
});

describe('bestWaitlistedThatFits', () => {
  it('given a waitlist in rank order, when money is freed, then the first fundable one whose cap fits is proposed', () => {
    const waitlist = [
      { dossierId: 'w1', capCents: 800, fundable: true },
      { dossierId: 'w2', capCents: 300, fundable: false },
      { dossierId: 'w3', capCents: 400, fundable: true },
      { dossierId: 'w4', capCents: 100, fundable: true },
    ];
    expect(bestWaitlistedThatFits(waitlist, 500)?.dossierId).toBe('w3');
    expect(bestWaitlistedThatFits(waitlist, 800)?.dossierId).toBe('w1');
    expect(bestWaitlistedThatFits(waitlist, 50)).toBeUndefined();
  });
});
