import {
  accepted,
  DossierAccepted,
  DossierComplementRequested,
  DossierDecisionReopened,
  DossierRejected,
  DossierWaitlisted,
  DossierResubmitted,
  DossierWithdrawn,
  evaluationSettingsOf,
  EvaluationCompleted,
  EvaluationConflictDeclared,
  EvaluationReviewDueSoon,
  EvaluationReviewersAssigned,
  EvaluationReviewSubmitted,
  type DossierReference,
  type EventDefinition,
} from '@aap/contracts';
import { PermanentHandlerError } from '@aap/messaging';
import type { ServiceContext } from '@aap/service-runtime';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { EvaluationDecision, EvaluationState, Evaluations, ReviewerAssigner } from '../evaluations';
import { assignReviewers, openAssignees } from './assignment';
import { registerAssignmentRoutes } from './assignment.routes';
import { claim } from './pool';
import { registerPoolRoutes } from './pool.routes';
import { poolStore, type PoolStore } from './pool.store';
import { scheduleReviewReminders } from './reminders';
import { workQueue } from './work-queue.projection';

/** The reviewers capability as service.ts wires it: the assigner the other slices call, and the pool. */
export interface Reviewers {
  assigner: ReviewerAssigner;
  pools: PoolStore;
}

/**
 * The reviewer pools (routes) and the real `ReviewerAssigner`: an assignment is decided on the call's
 * pool and its reviewers claimed on the pool (loads) in one guarded write of the pool, before the
 * evaluation's own write ("increase before"): a crash between the two leaves a reviewer counted once
 * too many until the dossier's next event settles its claim, never a load lost.
 */
export function registerReviewers(context: ServiceContext, deps: { calls: CallCopies }): Reviewers {
  const pools = poolStore(context);
  const assigner: ReviewerAssigner = {
    async assign(state, call, cause, now) {
      // The evaluation's decision taken on the pool that was recorded (the last attempt's, after a lost race).
      let assigned: EvaluationDecision = accepted(state);
      await pools.decide(call.callId, (pool) => {
        assigned = assignReviewers(state, call, pool, cause, now);
        return assigned.outcome === 'accepted' ? claim(pool, state.dossierId, openAssignees(assigned.state)) : accepted(pool);
      });
      return assigned;
    },
  };
  registerPoolRoutes(context, { pools, calls: deps.calls });
  return { assigner, pools };
}

/**
 * Events after which an evaluation's assignments, whether they are open, or the dossier's stage shown
 * in the work queue may have changed.
 */
const ASSIGNMENT_FACTS: readonly EventDefinition[] = [
  EvaluationReviewersAssigned,
  EvaluationConflictDeclared,
  EvaluationReviewSubmitted,
  EvaluationReviewDueSoon,
  EvaluationCompleted,
  DossierComplementRequested,
  DossierResubmitted,
  DossierWithdrawn,
  DossierAccepted,
  DossierRejected,
  DossierWaitlisted,
  DossierDecisionReopened,
];

/**
 * What needs the evaluations: declared conflicts, a manager completing a dossier, the work queue
 * and the deadline reminders. Registered after the evaluations slice, so that its handlers of the
 * same events (resubmission, withdrawal) have recorded the evaluation before these read it.
 */
export function registerReviewerAssignments(context: ServiceContext, deps: { evaluations: Evaluations; calls: CallCopies; reviewers: Reviewers }): void {
  const { evaluations, calls, reviewers } = deps;
  const queue = workQueue(context);

  /**
   * Settles the pool's claim of the dossier (a submitted review or a withdrawn dossier is no longer
   * open load) and its work-queue rows, from the evaluation's current state: idempotent, and right
   * after the dossier's last event whatever the order of the earlier ones.
   */
  const settle = async (state: EvaluationState) => {
    await reviewers.pools.decide(state.callId, (pool) => claim(pool, state.dossierId, openAssignees(state)));
    const call = await calls.get(state.callId);
    await queue.refresh(state, evaluationSettingsOf(call ?? {}).reviewReminderDaysBefore);
  };

  for (const definition of ASSIGNMENT_FACTS) {
    context.consumer.on(definition, async (event) => {
      const { dossierId } = event.data as DossierReference;
      const state = await evaluations.store.get(dossierId);
      if (!state) throw new PermanentHandlerError(`no evaluation of dossier ${dossierId}`);
      await settle(state);
    });
  }

  registerAssignmentRoutes(context, { evaluations, calls, assigner: reviewers.assigner, queue });
  scheduleReviewReminders(context, { store: evaluations.store, calls, queue });
}
