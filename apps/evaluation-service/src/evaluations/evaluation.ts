import {
  accepted,
  emit,
  evolve,
  wrongStatus,
  type CallSnapshot,
  type Decision,
  type DossierFact,
  type DossierReference,
  type DossierSnapshot,
  type DossierStatus,
  type Emitted,
  type EventData,
  type EvaluationAdmissibilityAssessed,
} from '@aap/contracts';

/**
 * The evaluation of one dossier, pure: its copy of the submitted dossier, admissibility, reviewer
 * assignments, reviews, complement requests and committee decision. One document per dossier, so
 * every change of an evaluation and its events is one guarded single-document write.
 *
 * Stages: admissibility → in-review → evaluated → decided; complement-requested pauses it (back to
 * where it was on resubmission); inadmissible and withdrawn end it. A reopened decision goes back to
 * evaluated. The decide functions of each use case live in that use case's folder (admissibility/,
 * assignments/, reviews/, complements/, committee/) and return a `Decision<EvaluationState>`.
 */
export const EVALUATION_STAGES = ['admissibility', 'in-review', 'complement-requested', 'evaluated', 'decided', 'inadmissible', 'withdrawn'] as const;
export type EvaluationStage = (typeof EVALUATION_STAGES)[number];

export type AdmissibilityCheck = EventData<typeof EvaluationAdmissibilityAssessed>['checks'][number];

export interface Admissibility {
  /** Automatic checks (passed or not) and the call's checklist (`passed` false until a manager ticks it). */
  checks: AdmissibilityCheck[];
  admissible?: boolean;
  reasons: string[];
  assessedBy?: string;
  assessedAt?: Date;
}

export interface Assignment {
  reviewerId: string;
  name: string;
  email: string;
  assignedAt: Date;
  dueAt: Date;
  /** assigned → submitted; recused when the reviewer declared a conflict (the assignment ends). */
  state: 'assigned' | 'submitted' | 'recused';
  recusalReason?: string;
  /** Set once the deadline reminder went out. */
  remindedAt?: Date;
}

export interface CriterionScore {
  criterionId: string;
  score: number;
  comment: string;
}

export interface Review {
  reviewerId: string;
  scores: CriterionScore[];
  /** 0–100: 100 × Σ(weight × score) / Σ(weight × maxScore). */
  weightedScore: number;
  submittedAt: Date;
}

export interface ComplementRequest {
  complementRequestId: string;
  message: string;
  /** A role, never a person: the applicant is told who asked by role only. */
  requestedByRole: 'reviewer' | 'programme-manager';
  requestedBy: string;
  requestedAt: Date;
  dueDate?: string;
  /** The stage the evaluation resumes at on resubmission. */
  resumeAt: 'admissibility' | 'in-review' | 'evaluated';
  answeredAt?: Date;
  answer?: string;
}

export type DecisionKind = 'approved' | 'rejected' | 'waitlisted';

export interface CommitteeDecision {
  kind: DecisionKind;
  grantCents?: number;
  motivation: string;
  /** Reserve-list position when waitlisted. */
  rank?: number;
  decidedBy: string;
  decidedAt: Date;
  /** Set when the committee reopened it (the decision stays in the history). */
  reopenedBy?: string;
  reopenedAt?: Date;
  reopenMotivation?: string;
}

export interface EvaluationState extends DossierReference {
  stage: EvaluationStage;
  /** The dossier's status in the shared lifecycle, moved with `evolve` (the same table submission applies). */
  dossierStatus: DossierStatus;
  snapshot: DossierSnapshot;
  /** The snapshot before the last resubmission, and what changed (shown to reviewers). */
  previousSnapshot?: DossierSnapshot;
  changes: string[];
  admissibility: Admissibility;
  assignments: Assignment[];
  reviews: Review[];
  complements: ComplementRequest[];
  decision?: CommitteeDecision;
  /** Every decision taken, reopened ones included (the committee's minutes). */
  decisions: CommitteeDecision[];
  completedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export type EvaluationDecision = Decision<EvaluationState>;

export const referenceOf = (state: EvaluationState): DossierReference => ({
  dossierId: state.dossierId,
  number: state.number,
  callId: state.callId,
  waveId: state.waveId,
  organisationId: state.organisationId,
});

/**
 * Moves the dossier's lifecycle status by `fact` and returns the `dossier.<fact>` event to emit with
 * it, or the reason the lifecycle refuses it.
 */
export function moveDossier(state: EvaluationState, fact: DossierFact): { status: DossierStatus } | { refused: string } {
  return evolve(state.dossierStatus, fact);
}

/** The refusal of a command that does not apply at the evaluation's stage (409). */
export const wrongStage = (state: EvaluationState, action: string, expected: readonly EvaluationStage[]): EvaluationDecision =>
  wrongStatus(state.stage, `the evaluation of dossier ${state.number} is at stage ${state.stage}: ${action} only at ${expected.join(' or ')}`);

/** A new evaluation from a submitted dossier: at admissibility, nothing assessed yet. */
export function openEvaluation(snapshot: DossierSnapshot, now: Date): EvaluationState {
  return {
    dossierId: snapshot.dossierId,
    number: snapshot.number,
    callId: snapshot.callId,
    waveId: snapshot.waveId,
    organisationId: snapshot.applicant.organisationId,
    stage: 'admissibility',
    dossierStatus: 'submitted',
    snapshot,
    changes: [],
    admissibility: { checks: [], reasons: [] },
    assignments: [],
    reviews: [],
    complements: [],
    decisions: [],
    createdAt: now,
    updatedAt: now,
    version: 0,
  };
}

/** The dossier was withdrawn by its applicant: the evaluation ends wherever it was. */
export function recordWithdrawal(state: EvaluationState, now: Date): EvaluationDecision {
  if (state.stage === 'withdrawn') return accepted(state);
  const moved = moveDossier(state, 'withdrawn');
  if ('refused' in moved) return wrongStatus(state.dossierStatus, moved.refused);
  return accepted({ ...state, stage: 'withdrawn', dossierStatus: moved.status, updatedAt: now });
}

/** What changed between two submitted snapshots, in words a reviewer reads. */
export function snapshotChanges(before: DossierSnapshot, after: DossierSnapshot): string[] {
  const changes: string[] = [];
  for (const field of Object.keys({ ...before.project, ...after.project }) as Array<keyof DossierSnapshot['project']>) {
    if (JSON.stringify(before.project[field]) !== JSON.stringify(after.project[field])) changes.push(`project.${field}`);
  }
  for (const field of ['eligibleCostCents', 'requestedGrantCents'] as const) {
    if (before.budget[field] !== after.budget[field]) changes.push(`budget.${field}: ${before.budget[field]} → ${after.budget[field]} cents`);
  }
  if (JSON.stringify(before.budget.otherFunding) !== JSON.stringify(after.budget.otherFunding)) changes.push('budget.otherFunding');
  const hashes = (s: DossierSnapshot) => new Map(s.attachments.map((a) => [a.sha256, a]));
  const [was, now] = [hashes(before), hashes(after)];
  for (const [sha, a] of now) if (!was.has(sha)) changes.push(`attachment added: ${a.fileName} (${a.documentType})`);
  for (const [sha, a] of was) if (!now.has(sha)) changes.push(`attachment removed: ${a.fileName} (${a.documentType})`);
  return changes;
}

/** Emits `dossier.<fact>` with the dossier's reference, `at` and the fact's own fields. */
export function dossierEvent<D extends Emitted['definition']>(definition: D, state: EvaluationState, now: Date, fields: object): Emitted {
  return emit(definition, { ...referenceOf(state), at: now.toISOString(), ...fields } as EventData<D>);
}

/**
 * Whether `person` reviews, reviewed or was assigned this dossier (a recused assignment too: the
 * conflict declared stays one). Such a person never decides on it nor reads the others' named scores
 * of it (separation of duties).
 */
export const reviewsDossier = (state: EvaluationState, person: string) =>
  state.assignments.some((a) => a.reviewerId === person) || state.reviews.some((r) => r.reviewerId === person);

/** Who may read an evaluation: staff who see every dossier of a call, or a reviewer holding an assignment on it. */
export function isAssignedReviewer(state: EvaluationState, reviewerId: string): boolean {
  return state.assignments.some((a) => a.reviewerId === reviewerId && a.state !== 'recused');
}


/**
 * Chains two decisions into one write: the second decides on the first's state, and the events of
 * both are recorded together. A refusal of either refuses the whole.
 */
export async function andThen(first: EvaluationDecision, next: (state: EvaluationState) => EvaluationDecision | Promise<EvaluationDecision>): Promise<EvaluationDecision> {
  if (first.outcome !== 'accepted') return first;
  const second = await next(first.state);
  if (second.outcome !== 'accepted') return second;
  return accepted(second.state, ...first.events, ...second.events);
}

/** Why reviewers are being assigned (the `cause` of evaluation.reviewers-assigned). */
export type AssignmentCause = 'admissible' | 'conflict-replacement' | 'completed-by-manager';

/**
 * The reviewers capability as the other slices use it: gives an evaluation in review the reviewers it
 * still lacks (the call's reviewersPerDossier, without conflicts, balancing load). Never refuses for
 * lack of reviewers: the event says how many are missing.
 */
export interface ReviewerAssigner {
  assign(state: EvaluationState, call: CallSnapshot, cause: AssignmentCause, now: Date): Promise<EvaluationDecision>;
}
