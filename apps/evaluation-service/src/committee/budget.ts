import { accepted, refused, type Decision, type Violation } from '@aap/contracts';

/**
 * A call's envelope ledger, pure (eval-design.md "Envelope"): one document per call holding what each
 * approved dossier reserves. Invariant: reservedCents = Σ reservations ≤ envelopeCents. The store
 * records a decision with a write guarded on `{_id, version}` and retries on a lost race, so 50
 * concurrent approvals each decide on the latest ledger.
 */
export interface EnvelopeLedger {
  callId: string;
  envelopeCents: number;
  reservedCents: number;
  /** Cents reserved per approved dossier id. */
  reservations: Record<string, number>;
  version: number;
}

export type LedgerDecision = Decision<EnvelopeLedger>;

export const emptyLedger = (callId: string, envelopeCents: number): EnvelopeLedger => ({ callId, envelopeCents, reservedCents: 0, reservations: {}, version: 0 });

export const remainingCents = (ledger: EnvelopeLedger): number => ledger.envelopeCents - ledger.reservedCents;

/** What a dossier holds on the ledger (0 when nothing). */
export const heldBy = (ledger: EnvelopeLedger, dossierId: string): number =>
  Object.hasOwn(ledger.reservations, dossierId) ? ledger.reservations[dossierId]! : 0;

/**
 * Sets the dossier's reservation to `cents` (idempotent: re-reserving replaces the dossier's amount,
 * the same amount changes nothing and answers the same ledger, nothing to write). Refused with
 * `envelope-exceeded` when the new amount does not fit in what the others leave.
 */
export function reserve(ledger: EnvelopeLedger, dossierId: string, cents: number): LedgerDecision {
  if (!Number.isSafeInteger(cents) || cents <= 0) {
    return refused([{ name: 'grant-amount', detail: `a reservation is a positive whole number of cents; got ${cents}` }]);
  }
  const held = heldBy(ledger, dossierId);
  if (held === cents) return accepted(ledger);
  const available = ledger.envelopeCents - (ledger.reservedCents - held);
  if (cents > available) {
    const violation: Violation = {
      name: 'envelope-exceeded',
      detail: `the call's envelope has ${available} cents left${held > 0 ? ` (counting the ${held} cents this dossier already holds)` : ''}; ${cents} cents asked for dossier ${dossierId}`,
    };
    return refused([violation]);
  }
  return accepted({
    ...ledger,
    reservedCents: ledger.reservedCents - held + cents,
    reservations: { ...ledger.reservations, [dossierId]: cents },
    version: ledger.version + 1,
  });
}

/** Gives back what the dossier holds; a dossier holding nothing leaves the ledger as it is (idempotent). */
export function release(ledger: EnvelopeLedger, dossierId: string): LedgerDecision {
  if (!Object.hasOwn(ledger.reservations, dossierId)) return accepted(ledger);
  const { [dossierId]: held, ...others } = ledger.reservations;
  return accepted({ ...ledger, reservedCents: ledger.reservedCents - held!, reservations: others, version: ledger.version + 1 });
}

export interface WaitlistedCandidate {
  capCents: number;
  fundable: boolean;
}

/** The first waitlisted dossier (the list is in rank order) that is fundable and whose cap fits. */
export function bestWaitlistedThatFits<W extends WaitlistedCandidate>(waitlist: readonly W[], remaining: number): W | undefined {
  for (const candidate of waitlist) if (candidate.fundable && candidate.capCents <= remaining) return candidate;
  return undefined;
}
