import { EvaluationConflictDeclared, EvaluationReviewersAssigned } from '@aap/contracts';
import type { ServiceContext } from '@aap/service-runtime';
import type { AssignmentStore } from './assignment.store';

/**
 * The evaluation service's assignments, applied to this service's copy: each listed reviewer gains
 * access to the dossier, a reviewer declaring a conflict loses it. The consumer skips an event
 * already handled (by id) and the writes are keyed `<dossierId>:<reviewerId>`, so a redelivery
 * changes nothing.
 */
export function registerAssignmentHandlers(context: ServiceContext, store: AssignmentStore): void {
  context.consumer.on(EvaluationReviewersAssigned, async (event) => {
    const { dossierId, reviewers, at } = event.data;
    for (const { reviewerId } of reviewers) await store.apply({ kind: 'assigned', dossierId, reviewerId, at: new Date(at), eventId: event.id });
  });
  context.consumer.on(EvaluationConflictDeclared, async (event) => {
    const { dossierId, reviewerId, at } = event.data;
    await store.apply({ kind: 'conflict-declared', dossierId, reviewerId, at: new Date(at), eventId: event.id });
  });
}
