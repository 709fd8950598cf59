import {
  accepted,
  applicantViolations,
  budgetViolations,
  DossierRejected,
  DossierReviewStarted,
  emit,
  evaluationSettingsOf,
  EvaluationAdmissibilityAssessed,
  refused,
  wrongStatus,
  type CallSnapshot,
  type DossierSnapshot,
  type Emitted,
  type Violation,
} from '@aap/contracts';
import { dossierEvent, moveDossier, referenceOf, wrongStage, type AdmissibilityCheck, type EvaluationDecision, type EvaluationState } from '../evaluations/evaluation';

/**
 * Admissibility, pure: on submission, automatic checks against this service's copy of the call (the
 * same rules the submission service applied, from libs/contracts' call-eligibility), then the call's
 * checklist that a programme manager ticks. An inadmissible dossier is rejected with its reasons and
 * never reaches a reviewer.
 */

/** Automatic checks (and the call's checklist), then, when admissible, the reviewers it lacks: ONE decision (index.ts). */
export type Admit = (state: EvaluationState, call: CallSnapshot, now: Date) => Promise<EvaluationDecision>;

/** The automatic checks, in the order they are shown; each passes unless a rule of that name is broken. */
const AUTOMATIC_CHECKS: ReadonlyArray<{ checkId: string; label: string; rules: readonly string[] }> = [
  { checkId: 'wave-window', label: 'Dossier déposé pendant la fenêtre de la vague', rules: ['wave-window'] },
  { checkId: 'applicant-eligible', label: 'Porteur éligible à l’appel (nature, groupement)', rules: ['applicant-kind-eligible', 'groupements-allowed'] },
  { checkId: 'required-documents', label: 'Pièces obligatoires jointes', rules: ['required-documents'] },
  {
    checkId: 'budget-rules',
    label: 'Plan de financement conforme aux règles de l’appel',
    rules: ['budget-balanced', 'minimum-project-cost', 'grant-minimum', 'grant-maximum', 'grant-within-rate', 'public-funding-within-cost', 'own-contribution'],
  },
];

function ruleViolations(snapshot: DossierSnapshot, call: CallSnapshot): Violation[] {
  const violations: Violation[] = [];
  const wave = call.waves.find((w) => w.waveId === snapshot.waveId);
  const submittedAt = Date.parse(snapshot.submittedAt);
  if (!wave) violations.push({ name: 'wave-window', detail: `the call has no wave ${snapshot.waveId}` });
  else if (submittedAt < Date.parse(wave.opensAt) || submittedAt >= Date.parse(wave.closesAt)) {
    violations.push({ name: 'wave-window', detail: `submitted at ${snapshot.submittedAt}, outside the wave «${wave.label}» (${wave.opensAt} – ${wave.closesAt})` });
  }
  violations.push(...applicantViolations(call, snapshot.applicant));
  const documentTypes = new Set(snapshot.attachments.map((a) => a.documentType));
  for (const document of call.requiredDocuments) {
    if (!documentTypes.has(document.type)) violations.push({ name: 'required-documents', detail: `missing document: ${document.label} (${document.type})` });
  }
  violations.push(...budgetViolations(call, snapshot.applicant, snapshot.budget));
  return violations;
}

/** The automatic checks of a dossier against its call, and the call's checklist (not ticked yet). */
export function admissibilityChecks(snapshot: DossierSnapshot, call: CallSnapshot): AdmissibilityCheck[] {
  const violations = ruleViolations(snapshot, call);
  const automatic = AUTOMATIC_CHECKS.map(({ checkId, label, rules }): AdmissibilityCheck => {
    const broken = violations.filter((v) => rules.includes(v.name));
    return { checkId, label, passed: broken.length === 0, automatic: true, ...(broken.length ? { detail: broken.map((v) => v.detail).join('; ') } : {}) };
  });
  const checklist = evaluationSettingsOf(call).admissibilityChecklist.map((c): AdmissibilityCheck => ({ checkId: c.checkId, label: c.label, passed: false, automatic: false }));
  return [...automatic, ...checklist];
}

const reasonsOf = (checks: AdmissibilityCheck[]) => checks.filter((c) => !c.passed).map((c) => (c.detail ? `${c.label} : ${c.detail}` : c.label));

/**
 * Starts (or, after a complement, restarts) admissibility: automatic failures make the dossier
 * inadmissible at once; without a checklist, a dossier passing them is admissible at once;
 * otherwise it waits for a programme manager.
 */
export function startAdmissibility(state: EvaluationState, call: CallSnapshot, now: Date): EvaluationDecision {
  const checks = admissibilityChecks(state.snapshot, call);
  const waiting: EvaluationState = { ...state, stage: 'admissibility', admissibility: { checks, reasons: [] }, updatedAt: now };
  if (checks.some((c) => c.automatic && !c.passed)) return conclude(waiting, checks, 'automatic', now);
  if (checks.every((c) => c.automatic)) return conclude(waiting, checks, 'automatic', now);
  return accepted(waiting);
}

export interface ChecklistAnswer {
  checkId: string;
  passed: boolean;
  /** Why an item fails: told to the applicant as the reason. */
  detail?: string;
}

/** A programme manager ticks the call's checklist: every item answered once, then admissible or not. */
export function assessChecklist(state: EvaluationState, answers: ChecklistAnswer[], assessedBy: string, now: Date): EvaluationDecision {
  if (state.stage !== 'admissibility') return wrongStage(state, 'admissibility is assessed', ['admissibility']);
  const checklist = state.admissibility.checks.filter((c) => !c.automatic);
  const violations: Violation[] = [];
  answers.forEach((answer, index) => {
    if (!checklist.some((c) => c.checkId === answer.checkId)) violations.push({ name: 'unknown-check', detail: `the call's checklist has no item ${answer.checkId}`, pointer: `#/checks/${index}/checkId` });
    else if (answers.findIndex((a) => a.checkId === answer.checkId) !== index) violations.push({ name: 'check-answered-once', detail: `item ${answer.checkId} is answered twice`, pointer: `#/checks/${index}/checkId` });
    if (!answer.passed && !answer.detail?.trim()) violations.push({ name: 'failed-check-detail', detail: `item ${answer.checkId} fails: say why (it is the reason given to the applicant)`, pointer: `#/checks/${index}/detail` });
  });
  const unanswered = checklist.filter((c) => !answers.some((a) => a.checkId === c.checkId));
  if (unanswered.length) violations.push({ name: 'checklist-complete', detail: `every item of the checklist must be answered; missing: ${unanswered.map((c) => c.checkId).join(', ')}` });
  if (violations.length) return refused(violations);

  const checks = state.admissibility.checks.map((check) => {
    if (check.automatic) return check;
    const answer = answers.find((a) => a.checkId === check.checkId)!;
    return { ...check, passed: answer.passed, ...(answer.detail ? { detail: answer.detail } : {}) };
  });
  return conclude(state, checks, assessedBy, now);
}

/** Admissible → in review (reviewers are assigned next); inadmissible → rejected with its reasons. */
function conclude(state: EvaluationState, checks: AdmissibilityCheck[], assessedBy: string, now: Date): EvaluationDecision {
  const reasons = reasonsOf(checks);
  const admissible = reasons.length === 0;
  const assessed = emit(EvaluationAdmissibilityAssessed, { ...referenceOf(state), at: now.toISOString(), admissible, checks, reasons, assessedBy });
  const admissibility = { checks, admissible, reasons, assessedBy, assessedAt: now };
  const events: Emitted[] = [assessed];

  if (admissible) {
    // After a complement answered at admissibility the dossier is already under review.
    if (state.dossierStatus === 'under-review') return accepted({ ...state, stage: 'in-review', admissibility, updatedAt: now }, ...events);
    const moved = moveDossier(state, 'review-started');
    if ('refused' in moved) return wrongStatus(state.dossierStatus, moved.refused);
    events.push(dossierEvent(DossierReviewStarted, state, now, {}));
    return accepted({ ...state, stage: 'in-review', dossierStatus: moved.status, admissibility, updatedAt: now }, ...events);
  }
  const moved = moveDossier(state, 'rejected');
  if ('refused' in moved) return wrongStatus(state.dossierStatus, moved.refused);
  const motivation = `Dossier irrecevable : ${reasons.join(' ; ')}`;
  events.push(dossierEvent(DossierRejected, state, now, { motivation, reasons, ineligible: true }));
  return accepted({ ...state, stage: 'inadmissible', dossierStatus: moved.status, admissibility, updatedAt: now }, ...events);
}
