import { EvaluationReviewDueSoon, EvaluationReviewersAssigned, type EventData, type EventDefinition } from '@aap/contracts';
import evaluationReviewDueSoon from '../templates/evaluation-review-due-soon';
import evaluationReviewersAssigned from '../templates/evaluation-reviewers-assigned';
import type { ReviewerTemplate } from '../templates/template';

/** One reviewer to tell, with the data its message renders. */
export interface ReviewerRecipient<Data = unknown> {
  reviewerId: string;
  name: string;
  email: string;
  data: Data;
}

export interface ReviewerRoute<D extends EventDefinition = EventDefinition> {
  event: D;
  template: ReviewerTemplate<unknown>;
  recipients(data: EventData<D>): ReviewerRecipient[];
}

const reviewerRoute = <D extends EventDefinition, Data>(event: D, template: ReviewerTemplate<Data>, recipients: (data: EventData<D>) => ReviewerRecipient<Data>[]): ReviewerRoute =>
  ({ event, template, recipients }) as unknown as ReviewerRoute;

/**
 * THE routing table of reviewer e-mails: staff messages from the evaluation service's events, sent to
 * the reviewers these events name, by e-mail only — never to an organisation, its inbox, its timeline
 * or its webhooks (those follow `ROUTES`, applicant-facing `dossier.*` and `call.*` events only).
 * Telling reviewers about another event is one template file (templates/evaluation-<event>.ts) and one line here.
 */
export const REVIEWER_ROUTES: readonly ReviewerRoute[] = [
  // One message per reviewer newly assigned by the event (the others were told when they were).
  reviewerRoute(EvaluationReviewersAssigned, evaluationReviewersAssigned, (data) => data.reviewers.map((reviewer) => ({ ...reviewer, data: reviewer }))),
  reviewerRoute(EvaluationReviewDueSoon, evaluationReviewDueSoon, (data) => [{ reviewerId: data.reviewerId, name: data.name, email: data.email, data }]),
];
