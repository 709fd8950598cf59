import { accepted, type CallSnapshot } from '@aap/contracts';
import type { Caller } from '@aap/http';
import type { EventMetadata } from '@aap/messaging';
import { acceptedOrThrow, type ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import { CALL_COMMITTEE, type EvaluationState, type Evaluations } from '../evaluations';
import { approve, type Standing } from './decision';
import { heldBy, releaseAndPropose, returnAwardRelease, settleApproval, settleRelease, startApproval, startRelease, unfinished, type ApprovalInProgress, type AwardRelease, type EnvelopeState, type PromotionProposal, type ReleaseInProgress } from './envelope';
import type { EnvelopeStore } from './envelope.store';
import type { Scoreboard } from './scoreboard.projection';
import { waitlistOf, type CallNormalisation } from './standings';

/**
 * The committee's decisions that move money, across two aggregates (the call's envelope, the
 * dossier's evaluation) that no single write can change together. A small process manager whose
 * state is stored on the envelope:
 *
 * - **Approval** (increase before): 1. ONE envelope write holds the grant AND records the approval in
 *   progress (with everything needed to decide it again); 2. the evaluation records the decision;
 *   3. ONE envelope write matches the reservation to what the evaluation recorded and ends the
 *   approval in progress. Each step is idempotent. A crash after 1 or 2 leaves an approval in
 *   progress on the envelope, never money committed beyond it: the sweep (`committee-approvals`, every
 *   scheduler tick) finds approvals in progress for more than a minute and runs 2 and 3 again from the
 *   stored state — the decision is recorded as it would have been (same grant, author and date), or
 *   refused if the dossier moved on, and the hold is settled accordingly. So it heals itself.
 * - **Reopening an approval** (decrease after): 1. ONE envelope write records the release in progress;
 *   2. the evaluation records the reopening; 3. ONE envelope write gives the money back if the
 *   evaluation is no longer approved (and proposes the best waitlisted dossier that fits), or keeps it
 *   (the reopening was refused), and ends the release. A crash after 1 or 2 only holds money, never
 *   commits more than the envelope, and the sweep runs 3 again from the stored release.
 * - **Money coming back otherwise**: a rejection, a waitlisting or a withdrawal is recorded on the
 *   evaluation first, THEN `giveBack` releases what the dossier held (an approval left in progress)
 *   and drops its pending proposal; the withdrawal's consumer retries it until it is done. An award's
 *   `award.amount-released` gives back its amount (at most what the dossier holds) by the same
 *   `giveBack`, recorded on the envelope with the money so that it is applied once.
 */

/** How long an approval may be in progress before the sweep takes it for one whose request is gone. */
export const UNFINISHED_AFTER_MS = 60_000;

/** An approval never recorded by a request that is gone: its decision is the one the committee asked for. */
const NOT_ELIMINATED: Standing = { eliminationReasons: [] };

const isRecordedBy = (state: EvaluationState, approval: ApprovalInProgress) =>
  state.decision?.kind === 'approved' && state.decision.decidedBy === approval.by && new Date(state.decision.decidedAt).getTime() === new Date(approval.at).getTime();

export function envelopeProcess(
  context: ServiceContext,
  deps: { envelopes: EnvelopeStore; evaluations: Evaluations; calls: CallCopies; scoreboard: Scoreboard; scores: CallNormalisation },
) {
  const { envelopes, evaluations, calls, scoreboard, scores } = deps;

  /** Step 2's decision: the approval as asked, or nothing when it is already recorded (a resumed approval). */
  const approvalOf = (call: CallSnapshot, approval: ApprovalInProgress, standing: Standing) => (latest: EvaluationState) =>
    isRecordedBy(latest, approval) ? accepted(latest) : approve(latest, call, standing, approval, approval.at);

  /** Step 3: the envelope matched to the dossier's recorded decision; the approval no longer in progress. */
  async function settle(call: CallSnapshot, approval: ApprovalInProgress): Promise<void> {
    const state = await evaluations.store.get(approval.dossierId);
    const recorded = state?.decision?.kind === 'approved' ? (state.decision.grantCents ?? 0) : 0;
    await envelopes.decide(call, (envelope) => settleApproval(envelope, approval, recorded));
  }

  /**
   * The committee approves: steps 1 to 3. 422 `envelope-exceeded` when the grant does not fit (nothing
   * recorded on the evaluation); the evaluation's refusals as its problems (the hold then given back).
   */
  async function approveWithinEnvelope(caller: Caller, call: CallSnapshot, approval: ApprovalInProgress, standing: Standing): Promise<EvaluationState> {
    acceptedOrThrow((await envelopes.decide(call, (envelope) => startApproval(envelope, approval))).decision, 'envelope');
    try {
      return await evaluations.command(caller, approval.dossierId, approvalOf(call, approval, standing), { access: CALL_COMMITTEE });
    } finally {
      await settle(call, approval);
    }
  }

  /** The call's waitlist, best first, when the dossier gives money back (read before the envelope's write). */
  const waitlistIfHolding = async (call: CallSnapshot, held: number) =>
    held > 0 ? waitlistOf(call, ...(await Promise.all([scoreboard.ofCall(call.callId), scores.normalisation(call.callId)]))) : [];

  /**
   * Step 3 of a reopening: the money back if the evaluation is no longer approved, the release ended.
   * The evaluation is read inside the decision, after the envelope: an approval settled before that
   * load is seen approved, one started after it makes this write lose its race and decide again, so
   * a new approval's hold is never given back.
   */
  async function settleReleaseOf(call: CallSnapshot, release: ReleaseInProgress, metadata?: EventMetadata): Promise<void> {
    const envelope = await envelopes.get(call.callId);
    if (!envelope) return;
    const waitlist = await waitlistIfHolding(call, heldBy(envelope, release.dossierId));
    await envelopes.decide(
      call,
      async (current) => {
        const state = await evaluations.store.get(release.dossierId);
        const recorded = state?.decision?.kind === 'approved' ? (state.decision.grantCents ?? 0) : 0;
        return settleRelease(current, release, recorded, waitlist, new Date());
      },
      metadata,
    );
  }

  /**
   * A reopening recorded (its event): what the dossier still holds comes back unless it is approved
   * again. Heals a reopening whose request was gone after the sweep had found its release unfinished
   * BEFORE the reopening was recorded (and so kept the money); idempotent (nothing held, nothing done).
   */
  async function giveBackReopened(callId: string, dossierId: string, freedBy: string, metadata?: EventMetadata): Promise<void> {
    const envelope = await envelopes.get(callId);
    if (!envelope || heldBy(envelope, dossierId) === 0) return;
    await settleReleaseOf(await calls.forEvent(callId), { dossierId, freedBy, at: new Date() }, metadata);
  }

  /** The committee reopens a decision: steps 1 to 3 (an approval's grant comes back to the envelope). */
  async function reopenGivingBack(call: CallSnapshot, release: ReleaseInProgress, reopen: () => Promise<EvaluationState>): Promise<EvaluationState> {
    await envelopes.decide(call, (envelope) => startRelease(envelope, release));
    try {
      return await reopen();
    } finally {
      await settleReleaseOf(call, release);
    }
  }

  /** Steps 2 and 3 of the approvals, step 3 of the releases, whose request is gone (a crash, a cut connection): see above. */
  async function finishUnfinished(now: Date): Promise<void> {
    for (const envelope of await envelopes.unsettled()) {
      const call = await calls.get(envelope.callId);
      if (!call) continue;
      for (const release of unfinished(envelope.releases, now, UNFINISHED_AFTER_MS)) await settleReleaseOf(call, release);
      for (const approval of unfinished(envelope.approvals, now, UNFINISHED_AFTER_MS)) {
        try {
          // A refusal (the dossier moved on) records nothing; the settlement then gives the hold back.
          await evaluations.store.commands.handleExisting(approval.dossierId, approvalOf(call, approval, NOT_ELIMINATED));
        } finally {
          await settle(call, approval);
        }
        await scoreboard.refresh(approval.dossierId);
      }
    }
  }
  context.schedule('committee-approvals', finishUnfinished);

  /**
   * Money coming back to a call: what the dossier holds is released and the best waitlisted dossier
   * that fits is proposed (committee.promotion-proposed, kept on the envelope for the ranked list).
   * The one path for a rejection or waitlisting after an interrupted approval, a withdrawal, and
   * funding-award's releases (`award`: only its amount, once per release, see `returnAwardRelease`).
   */
  async function giveBack(callId: string, dossierId: string, freedBy: string, metadata?: EventMetadata, award?: Pick<AwardRelease, 'releaseId' | 'amountCents' | 'freedByCommittee'>): Promise<{ freedCents: number; proposed?: PromotionProposal }> {
    const envelope = await envelopes.get(callId);
    const concerned = envelope && (heldBy(envelope, dossierId) > 0 || [...envelope.promotions, ...envelope.approvals, ...envelope.releases].some((p) => p.dossierId === dossierId));
    // An award's release is recorded even when it finds nothing held (the committee freed it first), so that it never takes a later hold.
    const toRecord = award && !award.freedByCommittee && envelope && !envelope.returned.some((r) => r.releaseId === award.releaseId);
    if (!concerned && !toRecord) return { freedCents: 0 };
    // The envelope exists only for a call whose copy this service has.
    const call = await calls.forEvent(callId);
    // Read before the envelope's write: the dossier giving the money back is no longer waitlisted or approved.
    const waitlist = await waitlistIfHolding(call, heldBy(envelope!, dossierId));
    const decide = (current: EnvelopeState) =>
      award ? returnAwardRelease(current, { ...award, dossierId, freedBy }, waitlist, new Date()) : releaseAndPropose(current, dossierId, waitlist, freedBy, new Date());
    const { before, after } = await envelopes.decide(call, decide, metadata);
    const proposed = after?.promotions.find((p) => !before?.promotions.includes(p) && p.dossierId !== dossierId);
    return { freedCents: (before ? heldBy(before, dossierId) : 0) - (after ? heldBy(after, dossierId) : 0), ...(proposed ? { proposed } : {}) };
  }

  return { approveWithinEnvelope, reopenGivingBack, finishUnfinished, giveBack, giveBackReopened };
}

export type EnvelopeProcess = ReturnType<typeof envelopeProcess>;
