import { accepted, type CallSnapshot } from '@aap/contracts';
import type { Caller } from '@aap/http';
import type { EventMetadata } from '@aap/messaging';
import { acceptedOrThrow, type ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '../calls';
import type { EvaluationState, Evaluations } from '../evaluations';
import { approve, type Standing } from './decision';
import { heldBy, releaseAndPropose, settleApproval, startApproval, unfinishedApprovals, type ApprovalInProgress, type PromotionProposal } from './envelope';
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
 * - **Money coming back** (decrease after): a rejection, a waitlisting, a reopening or a withdrawal is
 *   recorded on the evaluation first, THEN the envelope releases what the dossier held (and proposes
 *   the best waitlisted dossier that fits). A crash between them only holds money, never commits more
 *   than the envelope; the dossier's next decision or withdrawal gives it back.
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
      return await evaluations.command(caller, approval.dossierId, approvalOf(call, approval, standing));
    } finally {
      await settle(call, approval);
    }
  }

  /** Steps 2 and 3 of the approvals whose request is gone (a crash, a cut connection): see above. */
  async function finishUnfinished(now: Date): Promise<void> {
    for (const envelope of await envelopes.approving()) {
      const call = await calls.get(envelope.callId);
      if (!call) continue;
      for (const approval of unfinishedApprovals(envelope, now, UNFINISHED_AFTER_MS)) {
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
   * The one path for a reopened approval, a rejection or waitlisting after an interrupted approval, a
   * withdrawal, and later funding-award's lapse and recovery.
   */
  async function giveBack(callId: string, dossierId: string, freedBy: string, metadata?: EventMetadata): Promise<{ freedCents: number; proposed?: PromotionProposal }> {
    const envelope = await envelopes.get(callId);
    const concerned = envelope && (heldBy(envelope, dossierId) > 0 || [...envelope.promotions, ...envelope.approvals].some((p) => p.dossierId === dossierId));
    if (!concerned) return { freedCents: 0 };
    const call = await calls.get(callId);
    // The envelope exists only for a call whose copy this service has.
    if (!call) throw new Error(`no copy of call ${callId}`);
    // Read before the envelope's write: the dossier giving the money back is no longer waitlisted or approved.
    const waitlist = heldBy(envelope, dossierId) > 0 ? waitlistOf(call, ...(await Promise.all([scoreboard.ofCall(callId), scores.normalisation(callId)]))) : [];
    const { before, after } = await envelopes.decide(call, (current) => releaseAndPropose(current, dossierId, waitlist, freedBy, new Date()), metadata);
    const proposed = after?.promotions.find((p) => !before?.promotions.includes(p) && p.dossierId !== dossierId);
    return { freedCents: before ? heldBy(before, dossierId) : 0, ...(proposed ? { proposed } : {}) };
  }

  return { approveWithinEnvelope, finishUnfinished, giveBack };
}

export type EnvelopeProcess = ReturnType<typeof envelopeProcess>;
