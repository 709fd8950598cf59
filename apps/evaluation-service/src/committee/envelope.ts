import { accepted, CommitteePromotionProposed, emit, refused, wrongStatus, type Decision, type Violation } from '@aap/contracts';

/**
 * THE CALL'S ENVELOPE CAN'T BE OVER-COMMITTED — the rule, pure (the service README, "The envelope").
 *
 * A call's envelope is its money for grants: one state per call holding what each approved dossier
 * reserves. Invariant: reservedCents = Σ reservations ≤ envelopeCents; `reserve` is the only way money
 * is committed and refuses (`envelope-exceeded`) what does not fit in what the others leave. The store
 * (envelope.store.ts) records each decision with one write guarded on the version the decision was
 * taken on, through the command handler: 50 concurrent approvals each decide on the latest envelope.
 *
 * It is also the state of the committee's process manager (envelope.process.ts): an approval in
 * progress is recorded here with its hold, in the same write, until the evaluation's decision is
 * settled; a release in progress (a reopened approval) until the money is given back.
 */

/** Money came back: the best waitlisted dossier that fits, proposed to the committee until it is decided. */
export interface PromotionProposal {
  dossierId: string;
  number: string;
  waveId: string;
  proposedGrantCents: number;
  freedCents: number;
  freedBy: string;
  /** The envelope's remaining amount when it was proposed (before the promotion is approved). */
  remainingEnvelopeCents: number;
  at: Date;
}

/**
 * An approval between its hold on the envelope and its settlement: everything needed to record the
 * committee's decision on the evaluation again (`at` is the decision's date), so that whoever finds it
 * unfinished (the request itself, or the sweep after a crash) finishes it the same way.
 */
export interface ApprovalInProgress {
  dossierId: string;
  grantCents: number;
  motivation?: string;
  by: string;
  at: Date;
}

/** A decision that gives money back (a reopened approval) between its record here and the release. */
export interface ReleaseInProgress {
  dossierId: string;
  freedBy: string;
  at: Date;
}

/**
 * Money funding-award will never pay on an award (its lapse, cancellation, or a balance below the
 * grant: `award.amount-released`), to give back from what the award's dossier holds.
 */
export interface AwardRelease {
  /** What makes the release the same one when it comes again, whatever its event id (`awardReleaseId`). */
  releaseId: string;
  dossierId: string;
  amountCents: number;
  freedBy: string;
  /** The award was cancelled because the committee reopened its decision: that reopening gave the money back. */
  freedByCommittee?: boolean;
}

/** An award release applied to the envelope: what it gave back (0 when the dossier held nothing by then). */
export interface ReturnedRelease {
  releaseId: string;
  cents: number;
}

export interface EnvelopeState {
  callId: string;
  envelopeCents: number;
  reservedCents: number;
  /** Cents reserved per approved dossier id (or held by an approval in progress). */
  reservations: Record<string, number>;
  promotions: PromotionProposal[];
  approvals: ApprovalInProgress[];
  releases: ReleaseInProgress[];
  /** The award releases already applied, each once: the same release seen again gives nothing back. */
  returned: ReturnedRelease[];
  version: number;
}

export type EnvelopeDecision = Decision<EnvelopeState>;

/** A call's envelope before the committee's first decision: its amount, nothing reserved (never stored as such). */
export const openingEnvelope = (callId: string, envelopeCents: number): EnvelopeState => ({ callId, envelopeCents, reservedCents: 0, reservations: {}, promotions: [], approvals: [], releases: [], returned: [], version: 0 });

export const remainingCents = (envelope: EnvelopeState): number => envelope.envelopeCents - envelope.reservedCents;

/** What a dossier holds on the envelope (0 when nothing). */
export const heldBy = (envelope: EnvelopeState, dossierId: string): number => (Object.hasOwn(envelope.reservations, dossierId) ? envelope.reservations[dossierId]! : 0);

/** A decision about a dossier ends its pending promotion proposal (it is being decided now). */
const withoutProposalOf = (envelope: EnvelopeState, dossierId: string): EnvelopeState =>
  envelope.promotions.some((p) => p.dossierId === dossierId) ? { ...envelope, promotions: envelope.promotions.filter((p) => p.dossierId !== dossierId) } : envelope;

/**
 * Sets the dossier's reservation to `cents` (idempotent: re-reserving replaces the dossier's amount,
 * the same amount changes nothing). Refused with `envelope-exceeded` when the new amount does not fit
 * in what the others leave.
 */
export function reserve(envelope: EnvelopeState, dossierId: string, cents: number): EnvelopeDecision {
  if (!Number.isSafeInteger(cents) || cents <= 0) {
    return refused([{ name: 'grant-amount', detail: `a reservation is a positive whole number of cents; got ${cents}` }]);
  }
  const held = heldBy(envelope, dossierId);
  if (held === cents) return accepted(envelope);
  const available = envelope.envelopeCents - (envelope.reservedCents - held);
  if (cents > available) {
    const violation: Violation = {
      name: 'envelope-exceeded',
      detail: `the call's envelope has ${available} cents left${held > 0 ? ` (counting the ${held} cents this dossier already holds)` : ''}; ${cents} cents asked for dossier ${dossierId}`,
    };
    return refused([violation]);
  }
  return accepted({ ...envelope, reservedCents: envelope.reservedCents - held + cents, reservations: { ...envelope.reservations, [dossierId]: cents } });
}

/**
 * Gives back what the dossier holds, or `cents` of it (never more than it holds); a dossier holding
 * nothing leaves the envelope as it is (idempotent).
 */
export function release(envelope: EnvelopeState, dossierId: string, cents = heldBy(envelope, dossierId)): EnvelopeDecision {
  const held = heldBy(envelope, dossierId);
  const freed = Math.min(Math.max(cents, 0), held);
  if (freed === 0) return accepted(envelope);
  const { [dossierId]: _released, ...others } = envelope.reservations;
  const reservations = freed === held ? others : { ...envelope.reservations, [dossierId]: held - freed };
  return accepted({ ...envelope, reservedCents: envelope.reservedCents - freed, reservations });
}

const sameApproval = (a: ApprovalInProgress, b: ApprovalInProgress) => a.dossierId === b.dossierId && a.by === b.by && new Date(a.at).getTime() === new Date(b.at).getTime();

/**
 * Step 1 of an approval: holds its grant (never lowering what the dossier already holds: a lower
 * amount is settled after the decision) and records the approval in progress, in ONE write.
 * `envelope-exceeded` (422) when it does not fit; 409 while another approval of the dossier is in progress.
 */
export function startApproval(envelope: EnvelopeState, approval: ApprovalInProgress): EnvelopeDecision {
  const other = envelope.approvals.find((a) => a.dossierId === approval.dossierId);
  if (other && !sameApproval(other, approval)) return wrongStatus('approval-in-progress', `an approval of dossier ${approval.dossierId} by ${other.by} is in progress; reload it and retry`);
  const held = reserve(envelope, approval.dossierId, Math.max(approval.grantCents, heldBy(envelope, approval.dossierId)));
  if (held.outcome !== 'accepted') return held;
  // Started already (a retried step 1): held and in progress, nothing to write.
  if (other && held.state === envelope) return held;
  return accepted({ ...withoutProposalOf(held.state, approval.dossierId), approvals: other ? held.state.approvals : [...held.state.approvals, approval] });
}

/**
 * Step 3 of an approval: the dossier's reservation matched to what its evaluation recorded
 * (`recordedGrantCents`: the approved grant, 0 when the approval was refused or lost), and the
 * approval no longer in progress.
 */
export function settleApproval(envelope: EnvelopeState, approval: ApprovalInProgress, recordedGrantCents: number): EnvelopeDecision {
  const { dossierId } = approval;
  const approvals = envelope.approvals.filter((a) => !sameApproval(a, approval));
  const matched = recordedGrantCents > 0 ? reserve(envelope, dossierId, recordedGrantCents) : release(envelope, dossierId);
  // A recorded grant that no longer fits (only if the hold was given back meanwhile) keeps what is held.
  const settled = matched.outcome === 'accepted' ? matched.state : envelope;
  if (settled === envelope && approvals.length === envelope.approvals.length) return accepted(envelope);
  return accepted({ ...withoutProposalOf(settled, dossierId), approvals });
}

/** Steps in progress for longer than `afterMs`: the request that started them is gone (the sweep finishes them). */
export const unfinished = <Step extends { at: Date }>(steps: readonly Step[], now: Date, afterMs: number): Step[] =>
  steps.filter((step) => now.getTime() - new Date(step.at).getTime() >= afterMs);

/**
 * Step 1 of a decision that gives money back (a reopened approval): the release is recorded in
 * progress before the evaluation records the decision. Nothing to record when the dossier holds nothing.
 */
export function startRelease(envelope: EnvelopeState, release: ReleaseInProgress): EnvelopeDecision {
  if (heldBy(envelope, release.dossierId) === 0 || envelope.releases.some((r) => r.dossierId === release.dossierId)) return accepted(envelope);
  return accepted({ ...envelope, releases: [...envelope.releases, release] });
}

/**
 * Step 3 of a decision that gives money back: the evaluation no longer approved (`recordedGrantCents`
 * 0) → the money comes back (`releaseAndPropose`); still approved (the decision was refused or never
 * recorded), or being approved again (an approval in progress holds it) → the money stays. Either way
 * the release is no longer in progress.
 */
export function settleRelease(envelope: EnvelopeState, release: ReleaseInProgress, recordedGrantCents: number, waitlist: readonly WaitlistedCandidate[], now: Date): EnvelopeDecision {
  const { dossierId } = release;
  if (recordedGrantCents === 0 && !envelope.approvals.some((a) => a.dossierId === dossierId)) return releaseAndPropose(envelope, dossierId, waitlist, release.freedBy, now);
  const releases = envelope.releases.filter((r) => r.dossierId !== dossierId);
  return accepted(releases.length === envelope.releases.length ? envelope : { ...envelope, releases });
}

export interface WaitlistedCandidate {
  dossierId: string;
  number: string;
  waveId: string;
  capCents: number;
  fundable: boolean;
}

/** The first waitlisted dossier (the list is in rank order) that is fundable and whose cap fits. */
export function bestWaitlistedThatFits<W extends Pick<WaitlistedCandidate, 'capCents' | 'fundable'>>(waitlist: readonly W[], remaining: number): W | undefined {
  for (const candidate of waitlist) if (candidate.fundable && candidate.capCents <= remaining) return candidate;
  return undefined;
}

/**
 * Money coming back: what the dossier holds is released (with its pending proposal and any approval
 * or release in progress), and the best waitlisted dossier that fits what is now free (minus what pending
 * proposals already promise) is proposed with committee.promotion-proposed. With `cents`, only that
 * much of what it holds comes back (a part of an award that will never be paid): a dossier still
 * holding the rest keeps its steps in progress.
 */
export function releaseAndPropose(envelope: EnvelopeState, dossierId: string, waitlist: readonly WaitlistedCandidate[], freedBy: string, now: Date, cents?: number): EnvelopeDecision {
  const released = release(envelope, dossierId, cents);
  if (released.outcome !== 'accepted') return released;
  const freedCents = heldBy(envelope, dossierId) - heldBy(released.state, dossierId);
  if (heldBy(released.state, dossierId) > 0) return proposeWithFreed(envelope, released.state, waitlist, freedCents, freedBy, now);
  const approvals = released.state.approvals.filter((a) => a.dossierId !== dossierId);
  const releases = released.state.releases.filter((r) => r.dossierId !== dossierId);
  const state = {
    ...withoutProposalOf(released.state, dossierId),
    approvals: approvals.length === released.state.approvals.length ? released.state.approvals : approvals,
    releases: releases.length === released.state.releases.length ? released.state.releases : releases,
  };
  return proposeWithFreed(envelope, state, waitlist.filter((w) => w.dossierId !== dossierId), freedCents, freedBy, now);
}

/** After money came back (`freedCents` of it): the best waitlisted dossier that fits what is free and not promised yet, proposed. */
function proposeWithFreed(envelope: EnvelopeState, state: EnvelopeState, waitlist: readonly WaitlistedCandidate[], freedCents: number, freedBy: string, now: Date): EnvelopeDecision {
  if (freedCents === 0) return accepted(state.promotions === envelope.promotions && state.approvals === envelope.approvals && state.releases === envelope.releases ? envelope : state);
  const pending = new Set(state.promotions.map((p) => p.dossierId));
  const promised = state.promotions.reduce((sum, p) => sum + p.proposedGrantCents, 0);
  const best = bestWaitlistedThatFits(
    waitlist.filter((w) => !pending.has(w.dossierId)),
    remainingCents(state) - promised,
  );
  if (!best) return accepted(state);
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
  return accepted({ ...state, promotions: [...state.promotions, proposal] }, emit(CommitteePromotionProposed, { ...proposal, callId: envelope.callId, at: now.toISOString() }));
}

/**
 * Key of an award's release: each closing of an award (lapse, cancellation, completion) releases its
 * unpaid rest once, so the award, the cause and, for a cancellation, why it was cancelled name the
 * release whatever its event id. (An award is granted again only after a cancellation for a reopened
 * decision, which gives nothing back here, so its next closing has a key of its own.)
 */
export const awardReleaseId = (awardId: string, cause: string, cancellationCause?: string): string => [awardId, cause, ...(cancellationCause ? [cancellationCause] : [])].join(':');

/**
 * Funding-award will never pay part of an award: that amount comes back from what the award's dossier
 * holds (never more than it holds), through the same path as a reopened approval's money
 * (`releaseAndPropose`: the best waitlisted dossier that fits is proposed). Applied once per release:
 * the release is recorded in the same write as the money, so the same release again gives nothing,
 * also when another write (an approval) came between; a release finding nothing held is recorded as
 * giving nothing. A release for a decision the committee reopened (`freedByCommittee`) gives nothing:
 * the reopening gave the money back already, and the dossier may hold a new approval's since.
 */
export function returnAwardRelease(envelope: EnvelopeState, award: AwardRelease, waitlist: readonly WaitlistedCandidate[], now: Date): EnvelopeDecision {
  if (award.freedByCommittee || envelope.returned.some((r) => r.releaseId === award.releaseId)) return accepted(envelope);
  const cents = Math.min(award.amountCents, heldBy(envelope, award.dossierId));
  const recorded: EnvelopeState = { ...envelope, returned: [...envelope.returned, { releaseId: award.releaseId, cents }] };
  return cents === 0 ? accepted(recorded) : releaseAndPropose(recorded, award.dossierId, waitlist, award.freedBy, now, cents);
}
