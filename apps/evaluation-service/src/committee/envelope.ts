import { accepted, CommitteePromotionProposed, emit, type CallSnapshot, type Decision, type Emitted } from '@aap/contracts';
import type { EventMetadata } from '@aap/messaging';
import { acceptedOrThrow } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { Evaluations } from '../evaluations';
import type { CallScores } from '../reviews';
import type { Normalisation } from '../scoring/scoring';
import { bestWaitlistedThatFits, heldBy, release, remainingCents, reserve, type LedgerDecision } from './budget';
import type { BudgetStore, Ledger, PromotionProposal } from './budget.store';
import type { Scoreboard } from './scoreboard.projection';
import { capOf, rankingOf, type Entry } from './standings';

/**
 * The money side of the committee's decisions, around the call's ledger. Increase before, decrease
 * after: an approval holds its grant on the ledger BEFORE the decision is recorded on the dossier; a
 * decision that gives money back is recorded first, THEN the ledger releases it. A crash between the
 * two steps only ever holds money, never commits more than the envelope; the dossier's next decision
 * (or `settle`) puts the ledger right.
 */

/** A pure ledger decision applied to the stored ledger, its promotions kept (minus the dossier's own, now being decided). */
function onLedger(ledger: Ledger, decision: LedgerDecision, dossierId: string, ...events: Emitted[]): Decision<Ledger> {
  if (decision.outcome !== 'accepted') return decision;
  const promotions = ledger.promotions.filter((p) => p.dossierId !== dossierId);
  if (decision.state === ledger && promotions.length === ledger.promotions.length && events.length === 0) return accepted(ledger);
  return accepted({ ...decision.state, promotions }, ...decision.events, ...events);
}

export interface Waitlisted {
  dossierId: string;
  number: string;
  waveId: string;
  capCents: number;
  fundable: boolean;
}

/** The call's waitlisted dossiers, best first (`entries`: the call's scoreboard, every wave; normalised on the call). */
export function waitlistOf(call: CallSnapshot, entries: readonly Entry[], normalisation: Normalisation): Waitlisted[] {
  return rankingOf(call, entries, normalisation)
    .ranked.filter((row) => row.entry.decision?.kind === 'waitlisted')
    .map(({ entry }) => ({ dossierId: entry.dossierId, number: entry.number, waveId: entry.waveId, ...capOf(call, entry) }));
}

/**
 * The released ledger, with the best waitlisted dossier that fits what is now free (minus what
 * pending proposals already promise) proposed when money came back.
 */
export function releaseAndPropose(ledger: Ledger, dossierId: string, waitlist: readonly Waitlisted[], freedBy: string, now: Date): Decision<Ledger> {
  const freedCents = heldBy(ledger, dossierId);
  const released = onLedger(ledger, release(ledger, dossierId), dossierId);
  if (freedCents === 0 || released.outcome !== 'accepted') return released;
  const state = released.state as Ledger;
  const pending = new Set(state.promotions.map((p) => p.dossierId));
  const promised = state.promotions.reduce((sum, p) => sum + p.proposedGrantCents, 0);
  const best = bestWaitlistedThatFits(
    waitlist.filter((w) => w.dossierId !== dossierId && !pending.has(w.dossierId)),
    remainingCents(state) - promised,
  );
  if (!best) return released;
  const proposal: PromotionProposal = {
    dossierId: best.dossierId,
    number: best.number,
    waveId: best.waveId,
    proposedGrantCents: best.capCents,
    freedCents,
    freedBy,
    remainingEnvelopeCents: remainingCents(state),
    at: now,
  };
  return accepted(
    { ...state, promotions: [...state.promotions, proposal] },
    emit(CommitteePromotionProposed, { ...proposal, callId: ledger.callId, at: now.toISOString() }),
  );
}

export function envelopeOf(deps: { ledgers: BudgetStore; evaluations: Evaluations; calls: CallCopies; scoreboard: Scoreboard; scores: CallScores }) {
  const { ledgers, evaluations, calls, scoreboard, scores } = deps;

  /** Holds the grant (never lowering what the dossier already holds: a lower amount is settled after the decision). 422 envelope-exceeded. */
  async function hold(call: CallSnapshot, dossierId: string, cents: number): Promise<void> {
    const { decision } = await ledgers.transition(call, (ledger) => onLedger(ledger, reserve(ledger, dossierId, Math.max(cents, heldBy(ledger, dossierId))), dossierId));
    acceptedOrThrow(decision, 'envelope');
  }

  /** The ledger matched to the dossier's recorded decision: an approval holds exactly its grant, anything else nothing. */
  async function settle(call: CallSnapshot, dossierId: string): Promise<void> {
    const state = await evaluations.store.get(dossierId);
    const grant = state?.decision?.kind === 'approved' ? state.decision.grantCents ?? 0 : 0;
    await ledgers.transition(call, (ledger) => {
      const held = heldBy(ledger, dossierId);
      if (held === grant) return accepted(ledger);
      return onLedger(ledger, grant > 0 ? reserve(ledger, dossierId, grant) : release(ledger, dossierId), dossierId);
    });
  }

  /**
   * Money coming back to a call: what the dossier holds is released and the best waitlisted dossier
   * that fits is proposed (committee.promotion-proposed, kept on the ledger for the ranked list).
   * The one path for a reopened approval, a withdrawal, and later funding-award's lapse and recovery.
   */
  async function giveBack(callId: string, dossierId: string, freedBy: string, metadata?: EventMetadata): Promise<{ freedCents: number; proposed?: PromotionProposal }> {
    const ledger = await ledgers.get(callId);
    if (!ledger || (heldBy(ledger, dossierId) === 0 && !ledger.promotions.some((p) => p.dossierId === dossierId))) return { freedCents: 0 };
    const call = await calls.get(callId);
    // The ledger exists only for a call whose copy this service has.
    if (!call) throw new Error(`no copy of call ${callId}`);
    // Read before the ledger's write: the dossier giving the money back is no longer waitlisted or approved.
    const waitlist = heldBy(ledger, dossierId) > 0 ? waitlistOf(call, ...(await Promise.all([scoreboard.ofCall(callId), scores.normalisation(callId)]))) : [];
    const { before, decision } = await ledgers.transition(call, (current) => releaseAndPropose(current, dossierId, waitlist, freedBy, new Date()), metadata);
    const state = acceptedOrThrow(decision, 'envelope').state;
    const proposed = state.promotions.find((p) => !before.promotions.includes(p) && p.dossierId !== dossierId);
    return { freedCents: heldBy(before, dossierId), ...(proposed ? { proposed } : {}) };
  }

  return { hold, settle, giveBack };
}

export type Envelope = ReturnType<typeof envelopeOf>;
