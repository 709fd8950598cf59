import { accepted, awardReference, type Decision, type EventEnvelope, type Versioned } from '@aap/contracts';
import { advanceCapCents, effectiveRateBps, interimCapCents, liveTranches, maskIban, outstandingCents, paidCents, recoveredCents, type AwardState } from '../awards/award';

/**
 * An award's history and schedule, pure. The history is one entry per event of the award (who,
 * what, when), kept in one document per award (`award_histories`, `_id` = award id: a few dozen
 * entries over an award's life); the schedule is derived from the award as stored. Both are read by
 * `_id`, never by a scan.
 */

export interface HistoryEntry {
  eventId: string;
  /** The event's type name, e.g. `tranche.paid`. */
  type: string;
  at: string;
  /** Who did it, when the event names someone (a system fact — grant, lapse, release of money — names nobody). */
  by: string | null;
  /** The event's data without the award's reference (ids of the award, dossier, call…); IBANs masked. */
  details: Record<string, unknown>;
}

export interface AwardHistory extends Versioned {
  awardId: string;
  entries: HistoryEntry[];
}

/** Fields of award events that name who acted, in the catalogue's words. */
const ACTOR_FIELDS = ['requestedBy', 'validatedBy', 'refusedBy', 'releasedBy', 'signedBy', 'countersignedBy', 'submittedBy', 'declaredBy', 'extendedBy', 'recordedBy', 'orderedBy', 'by'];
const REFERENCE_FIELDS = new Set([...Object.keys(awardReference.shape), 'at']);

export function entryOf(event: EventEnvelope): HistoryEntry {
  const data = event.data as Record<string, unknown>;
  const by = ACTOR_FIELDS.map((field) => data[field]).find((value): value is string => typeof value === 'string') ?? null;
  const details = Object.fromEntries(
    Object.entries(data)
      .filter(([field]) => !REFERENCE_FIELDS.has(field))
      // Events carry IBANs masked already; masking again is a no-op that keeps it so if one ever does not.
      .map(([field, value]) => [field, field.toLowerCase().includes('iban') && typeof value === 'string' ? maskIban(value) : value]),
  );
  return { eventId: event.id, type: event.type.replace(/\.v\d+$/, ''), at: typeof data.at === 'string' ? data.at : event.time, by, details };
}

/**
 * The history with the entry in time order (after every entry of the same instant: events of one
 * write share it and arrive in the order they were written). Nothing happens when it holds the event.
 */
export function appendEntry(history: AwardHistory, entry: HistoryEntry): Decision<AwardHistory> {
  if (history.entries.some((e) => e.eventId === entry.eventId)) return accepted(history);
  const at = history.entries.findIndex((e) => e.at > entry.at);
  const entries = at === -1 ? [...history.entries, entry] : [...history.entries.slice(0, at), entry, ...history.entries.slice(at)];
  return accepted({ ...history, entries });
}

export const emptyHistory = (awardId: string): AwardHistory => ({ awardId, entries: [], version: 0 });

/** The payment schedule of an award as it stands: caps, what was asked and paid per tranche kind, the deadlines, each tranche. */
export function scheduleOf(award: AwardState) {
  const live = liveTranches(award);
  const sumOf = (kind: string, status?: string) =>
    (status ? award.tranches.filter((t) => t.status === status) : live).filter((t) => t.kind === kind).reduce((sum, t) => sum + t.amountCents, 0);
  const kind = (name: 'advance' | 'interim' | 'balance') => ({ askedCents: sumOf(name), paidCents: sumOf(name, 'paid') });
  return {
    status: award.status,
    grantCents: award.grantCents,
    eligibleCostCents: award.eligibleCostCents,
    effectiveRateBps: effectiveRateBps(award.grantCents, award.eligibleCostCents),
    advance: { capCents: advanceCapCents(award), ...kind('advance') },
    interim: { capWithAdvanceCents: interimCapCents(award), ...kind('interim') },
    balance: kind('balance'),
    paidCents: paidCents(award),
    releasedCents: award.releasedCents,
    recoveredCents: recoveredCents(award),
    outstandingCents: outstandingCents(award),
    deadlines: {
      notifiedAt: award.notifiedAt,
      startDeadline: award.startDeadline,
      startExtended: award.startExtended,
      startedOn: award.startedOn ?? null,
      completionDeadline: award.completionDeadline ?? null,
    },
    tranches: award.tranches.map((t) => ({
      trancheId: t.trancheId,
      kind: t.kind,
      status: t.status,
      amountCents: t.amountCents,
      expensesCents: t.expensesCents ?? null,
      requestedAt: t.requestedAt,
      paidOn: t.paidOn ?? null,
      paymentReference: t.paymentReference ?? null,
    })),
    recoveries: award.recoveries.map((r) => ({ recoveryId: r.recoveryId, amountCents: r.amountCents, dueOn: r.dueOn, reason: r.reason })),
  };
}
