import {
  AwardAgreementCountersigned,
  AwardAgreementIssued,
  AwardBankDetailsRefused,
  AwardBankDetailsValidated,
  AwardCancelled,
  AwardCompleted,
  AwardGranted,
  AwardLapsed,
  AwardRecoveryOrdered,
  AwardStartDeadlineExtended,
  CallClosed,
  CallExtended,
  CallReopened,
  DossierAccepted,
  DossierClosedWithoutFollowUp,
  DossierComplementRequested,
  DossierDecisionReopened,
  DossierDraftClosingSoon,
  DossierRejected,
  DossierResubmitted,
  DossierReviewStarted,
  DossierSubmitted,
  DossierWaitlisted,
  DossierWithdrawn,
  TranchePaid,
  TrancheRefused,
  TrancheValidated,
  type EventData,
  type EventDefinition,
} from '@aap/contracts';
import type { Template } from '../templates/template';
import awardAgreementCountersigned from '../templates/award-agreement-countersigned';
import awardAgreementIssued from '../templates/award-agreement-issued';
import awardBankDetailsRefused from '../templates/award-bank-details-refused';
import awardBankDetailsValidated from '../templates/award-bank-details-validated';
import awardCancelled from '../templates/award-cancelled';
import awardCompleted from '../templates/award-completed';
import awardGranted from '../templates/award-granted';
import awardLapsed from '../templates/award-lapsed';
import awardRecoveryOrdered from '../templates/award-recovery-ordered';
import awardStartDeadlineExtended from '../templates/award-start-deadline-extended';
import callClosed from '../templates/call-closed';
import callExtended from '../templates/call-extended';
import callReopened from '../templates/call-reopened';
import dossierAccepted from '../templates/dossier-accepted';
import dossierClosedWithoutFollowUp from '../templates/dossier-closed-without-follow-up';
import dossierComplementRequested from '../templates/dossier-complement-requested';
import dossierDecisionReopened from '../templates/dossier-decision-reopened';
import dossierDraftClosingSoon from '../templates/dossier-draft-closing-soon';
import dossierRejected from '../templates/dossier-rejected';
import dossierResubmitted from '../templates/dossier-resubmitted';
import dossierReviewStarted from '../templates/dossier-review-started';
import dossierSubmitted from '../templates/dossier-submitted';
import dossierWaitlisted from '../templates/dossier-waitlisted';
import dossierWithdrawn from '../templates/dossier-withdrawn';
import tranchePaid from '../templates/tranche-paid';
import trancheRefused from '../templates/tranche-refused';
import trancheValidated from '../templates/tranche-validated';
import type { Category } from '../preferences';

/**
 * Who hears about an event:
 * - `dossier`: the organisation that owns the dossier of the event (its dossier reference);
 * - `call`: every organisation with a draft or an active dossier on the call of the event.
 */
export type Audience = 'dossier' | 'call';

export interface Route<D extends EventDefinition = EventDefinition> {
  event: D;
  template: Template<EventData<D>>;
  category: Category;
  audience: Audience;
}

const route = <D extends EventDefinition>(event: D, template: Template<EventData<D>>, category: Category, audience: Audience): Route =>
  ({ event, template, category, audience }) as Route;

/**
 * THE routing table of applicant-facing events. Telling applicants about a new event type is one
 * template file (templates/<event>.ts) and one line here; nothing else changes.
 */
export const ROUTES: readonly Route[] = [
  // submission service
  route(DossierSubmitted, dossierSubmitted, 'dossier-status', 'dossier'),
  route(DossierResubmitted, dossierResubmitted, 'dossier-status', 'dossier'),
  route(DossierWithdrawn, dossierWithdrawn, 'dossier-status', 'dossier'),
  route(DossierDraftClosingSoon, dossierDraftClosingSoon, 'reminders', 'dossier'),
  route(CallClosed, callClosed, 'calls', 'call'),
  route(CallExtended, callExtended, 'calls', 'call'),
  route(CallReopened, callReopened, 'calls', 'call'),
  // evaluation service
  route(DossierReviewStarted, dossierReviewStarted, 'dossier-status', 'dossier'),
  route(DossierComplementRequested, dossierComplementRequested, 'dossier-status', 'dossier'),
  route(DossierAccepted, dossierAccepted, 'dossier-status', 'dossier'),
  route(DossierRejected, dossierRejected, 'dossier-status', 'dossier'),
  route(DossierWaitlisted, dossierWaitlisted, 'dossier-status', 'dossier'),
  route(DossierClosedWithoutFollowUp, dossierClosedWithoutFollowUp, 'dossier-status', 'dossier'),
  route(DossierDecisionReopened, dossierDecisionReopened, 'dossier-status', 'dossier'),
  // funding-award service (award id = dossier id; every event carries the dossier reference). What the
  // applicant did itself (signature, bank details submitted, start declared, tranche requested) and the
  // finance steps in between (release, budget released) are on the timeline only.
  route(AwardGranted, awardGranted, 'dossier-status', 'dossier'),
  route(AwardAgreementIssued, awardAgreementIssued, 'dossier-status', 'dossier'),
  route(AwardAgreementCountersigned, awardAgreementCountersigned, 'dossier-status', 'dossier'),
  route(AwardBankDetailsValidated, awardBankDetailsValidated, 'dossier-status', 'dossier'),
  route(AwardBankDetailsRefused, awardBankDetailsRefused, 'dossier-status', 'dossier'),
  route(AwardStartDeadlineExtended, awardStartDeadlineExtended, 'dossier-status', 'dossier'),
  route(TrancheValidated, trancheValidated, 'dossier-status', 'dossier'),
  route(TrancheRefused, trancheRefused, 'dossier-status', 'dossier'),
  route(TranchePaid, tranchePaid, 'dossier-status', 'dossier'),
  route(AwardRecoveryOrdered, awardRecoveryOrdered, 'dossier-status', 'dossier'),
  route(AwardCompleted, awardCompleted, 'dossier-status', 'dossier'),
  route(AwardLapsed, awardLapsed, 'dossier-status', 'dossier'),
  route(AwardCancelled, awardCancelled, 'dossier-status', 'dossier'),
];

export const ROUTED_EVENT_TYPES: readonly string[] = ROUTES.map((r) => r.event.type);
