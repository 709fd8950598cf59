import { z } from 'zod';
import {
  accepted,
  applicantViolations,
  budgetSection,
  budgetViolations,
  DossierAccepted,
  DossierClosedWithoutFollowUp,
  DossierComplementRequested,
  DossierDecisionReopened,
  DossierDraftClosingSoon,
  DossierDraftSaved,
  DossierRejected,
  DossierResubmitted,
  DossierReviewStarted,
  DossierSubmitted,
  DossierWaitlisted,
  DossierWithdrawn,
  emit,
  evolve,
  isEditable,
  projectSection,
  refused,
  wrongStatus,
  type ApplicantSnapshot,
  type CallSnapshot,
  type Decision,
  type DossierFact,
  type DossierReference,
  type DossierSnapshot,
  type DossierStatus,
  type EventData,
  type EvaluationFact,
  type Violation,
} from '@aap/contracts';
import { contentHash } from './content-hash';
import { wavePlaceViolations } from './wave-places';

/**
 * The dossier, pure: its state, every rule of its call that a submission must satisfy, and one
 * decide function per command (draft edits, attachments, submit, withdraw, complement answer) and
 * per evaluation event. No I/O: the command handler loads, these functions decide, the store records
 * (and moves the version on: a decide function never touches it). Statuses move only through
 * `evolve` (the lifecycle of @aap/contracts).
 */

export type ProjectSection = z.infer<typeof projectSection>;
export type BudgetSection = z.infer<typeof budgetSection>;

/** A draft is saved in parts: any field may still be missing. */
export const projectDraft = projectSection.partial();
export type ProjectDraft = z.infer<typeof projectDraft>;
export type BudgetDraft = Partial<BudgetSection>;

export interface DossierContent {
  project: ProjectDraft;
  budget: BudgetDraft;
  /** Document types of the attachments uploaded so far. */
  documentTypes: string[];
}


const REQUIRED_PROJECT_FIELDS = ['title', 'summary', 'description', 'startDate', 'endDate'] as const;

export interface SubmissionContext {
  call: CallSnapshot;
  waveId: string;
  applicant: ApplicantSnapshot | null;
  content: DossierContent;
  /** Other active dossiers of the same organisation in the same wave. */
  otherActiveDossiersInWave: number;
  now: Date;
}

/** Every rule of the call a submission breaks; empty when the dossier may be submitted. */
export function submissionViolations(ctx: SubmissionContext): Violation[] {
  const { call, content, applicant, now } = ctx;
  const violations: Violation[] = [];
  const add = (name: string, detail: string, pointer?: string) => violations.push({ name, detail, ...(pointer ? { pointer } : {}) });

  // The window: the call is published and the dossier's wave is open now.
  const wave = call.waves.find((w) => w.waveId === ctx.waveId);
  if (call.status !== 'published') add('call-published', `the call is ${call.status}, not published`);
  if (!wave) add('window-open', `the call has no wave ${ctx.waveId}`);
  else if (now < new Date(wave.opensAt)) add('window-open', `the wave «${wave.label}» opens at ${wave.opensAt}`);
  else if (now >= new Date(wave.closesAt)) add('window-open', `the wave «${wave.label}» closed at ${wave.closesAt}`);

  // The applicant.
  if (!applicant) add('applicant-registered', 'the organisation is not registered: register it first (POST /organisations)');
  else {
    violations.push(...applicantViolations(call, applicant));
  }
  violations.push(...wavePlaceViolations(ctx.otherActiveDossiersInWave, call));

  // Required fields and documents.
  for (const field of REQUIRED_PROJECT_FIELDS) {
    if (content.project[field] === undefined || content.project[field] === '') add(`project.${field}`, 'is required', `#/project/${field}`);
  }
  const { startDate, endDate } = content.project;
  if (startDate && endDate && startDate > endDate) add('project-dates', `the project ends (${endDate}) before it starts (${startDate})`, '#/project/endDate');
  for (const document of call.requiredDocuments) {
    if (!content.documentTypes.includes(document.type)) add('required-documents', `missing document: ${document.label} (${document.type})`);
  }

  // The budget plan and the money rules of the call.
  const budget = content.budget;
  if (budget.eligibleCostCents === undefined) add('budget.eligibleCostCents', 'is required', '#/budget/eligibleCostCents');
  if (budget.requestedGrantCents === undefined) add('budget.requestedGrantCents', 'is required', '#/budget/requestedGrantCents');
  if (budget.eligibleCostCents !== undefined && budget.requestedGrantCents !== undefined) {
    violations.push(...budgetViolations(call, applicant, budget as BudgetSection));
  }
  return violations;
}

// ── State ───────────────────────────────────────────────────────────────────────────────────────

/** An attachment's metadata, part of the dossier (its bytes are in the file storage under `storageId`). */
export interface AttachmentEntry {
  attachmentId: string;
  /** What the file is for, a slug such as `deliberation` (the call's required documents name them). */
  documentType: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** Lowercase hex SHA-256 of the bytes, computed while they were stored. */
  sha256: string;
  storageId: string;
  uploadedBy: string;
  uploadedAt: Date;
}

export interface ComplementRequest {
  complementRequestId: string;
  message: string;
  dueDate?: string;
  requestedAt: Date;
  answeredAt?: Date;
  answer?: string;
}

export interface HistoryEntry {
  status: DossierStatus;
  at: Date;
  /** The user (applicant) or the event (evaluation decision) that made the change. */
  by?: string;
  eventId?: string;
  note?: string;
}

export interface DossierDecisionRecord {
  kind: string;
  motivation: string;
  grantCents?: number;
  at: Date;
}

export interface Dossier {
  dossierId: string;
  /** Given at submission: `AAP-<year>-<6 digits>`. */
  number?: string;
  callId: string;
  waveId: string;
  organisationId: string;
  status: DossierStatus;
  project: ProjectDraft;
  budget: BudgetDraft;
  /** The organisation as it was when the dossier was started, then (re)submitted. */
  applicant?: ApplicantSnapshot;
  /** Oldest first. Part of the dossier, so that adding one and submitting never interleave. */
  attachments: AttachmentEntry[];
  submittedAt?: Date;
  contentHash?: string;
  /** Idempotency-Key of the accepted submit: a retry with it gets the same receipt. */
  submitIdempotencyKey?: string;
  complementRequests: ComplementRequest[];
  decision?: DossierDecisionRecord;
  /** Evaluation events already applied (a redelivery changes nothing). */
  appliedEventIds: string[];
  history: HistoryEntry[];
  reminderSentForClosesAt?: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export type DossierDecision = Decision<Dossier>;

/** At most 20 attachments per dossier (a call asks for a handful of documents, plus complements). */
export const MAX_ATTACHMENTS_PER_DOSSIER = 20;

const notEditable = (dossier: Dossier, what: string): DossierDecision =>
  wrongStatus(dossier.status, `the dossier is ${dossier.status}: ${what} only while it is a draft or awaits complements`);

/** The dossier reference every `dossier.*` event carries. */
export function referenceOf(dossier: Dossier): DossierReference {
  return { dossierId: dossier.dossierId, number: dossier.number!, callId: dossier.callId, waveId: dossier.waveId, organisationId: dossier.organisationId };
}

/** The state after `fact`, through the lifecycle; a status the lifecycle refuses is never reached. */
function moved(dossier: Dossier, fact: DossierFact, entry: Omit<HistoryEntry, 'status'>, changes: Partial<Dossier> = {}): Dossier | string {
  const evolution = evolve(dossier.status, fact);
  if ('refused' in evolution) return evolution.refused;
  return {
    ...dossier,
    ...changes,
    status: evolution.status,
    history: [...dossier.history, { status: evolution.status, ...entry }],
    updatedAt: entry.at,
  };
}

const transitioned = (next: Dossier | string, dossier: Dossier, ...events: Parameters<typeof accepted>[1][]): DossierDecision =>
  typeof next === 'string' ? wrongStatus(dossier.status, next) : accepted(next, ...events);

// ── Draft ───────────────────────────────────────────────────────────────────────────────────────

export interface StartDraft {
  dossierId: string;
  callId: string;
  waveId: string;
  organisationId: string;
  call: CallSnapshot | null;
  applicant: ApplicantSnapshot | null;
  by: string;
}

/** Starts a draft on a wave of a published (or closed: it may reopen) call of a registered organisation. */
export function startDraft(command: StartDraft, now: Date): DossierDecision {
  const { call, applicant } = command;
  const violations: Violation[] = [];
  if (!call || call.status === 'draft' || call.status === 'unpublished') {
    violations.push({ name: 'callId', detail: `no published call ${command.callId}`, pointer: '#/callId' });
  } else if (!call.waves.some((w) => w.waveId === command.waveId)) {
    violations.push({ name: 'waveId', detail: `the call has no wave ${command.waveId}`, pointer: '#/waveId' });
  }
  if (!applicant) violations.push({ name: 'applicant-registered', detail: 'register the organisation first (POST /organisations)' });
  if (violations.length) return refused(violations);
  return savedDraft({
    dossierId: command.dossierId,
    callId: command.callId,
    waveId: command.waveId,
    organisationId: command.organisationId,
    applicant: applicant!,
    status: 'draft',
    project: {},
    budget: {},
    attachments: [],
    complementRequests: [],
    appliedEventIds: [],
    history: [{ status: 'draft', at: now, by: command.by }],
    createdBy: command.by,
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
}

/** A draft's change, with `dossier.draft-saved` when it is (still) a draft: the staff lists show drafts from it. */
function savedDraft(next: Dossier): DossierDecision {
  if (next.status !== 'draft') return accepted(next);
  const { dossierId, callId, waveId, organisationId } = next;
  return accepted(next, emit(DossierDraftSaved, { dossierId, number: null, callId, waveId, organisationId, at: next.updatedAt.toISOString() }));
}

const sameContent = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Saves project fields (only those sent change). Saving what is already saved changes nothing and
 * succeeds, so a retried request whose first attempt was saved answers as a success.
 */
export function editProject(dossier: Dossier, fields: ProjectDraft, now: Date): DossierDecision {
  const project = { ...dossier.project, ...fields };
  if (sameContent(project, dossier.project)) return accepted(dossier);
  if (!isEditable(dossier.status)) return notEditable(dossier, 'its content can change');
  return savedDraft({ ...dossier, project, updatedAt: now });
}

/** Replaces the budget plan; the same plan again changes nothing (see editProject). */
export function editBudget(dossier: Dossier, budget: BudgetSection, now: Date): DossierDecision {
  if (sameContent(budget, dossier.budget)) return accepted(dossier);
  if (!isEditable(dossier.status)) return notEditable(dossier, 'its content can change');
  return savedDraft({ ...dossier, budget, updatedAt: now });
}

/** The reminder of a wave closing soon, as the scheduled job computed it. */
export interface ClosingReminder {
  /** The wave's closing time: a draft is reminded once per closing time (an extension arms a new one). */
  closesAt: string;
  callTitle: string;
  daysLeft: number;
}

/** Reminds a draft that its wave closes soon, once per closing time; anything else changes nothing. */
export function remindOfClosing(dossier: Dossier, reminder: ClosingReminder): DossierDecision {
  if (dossier.status !== 'draft' || dossier.reminderSentForClosesAt === reminder.closesAt) return accepted(dossier);
  return accepted(
    { ...dossier, reminderSentForClosesAt: reminder.closesAt },
    emit(DossierDraftClosingSoon, {
      dossierId: dossier.dossierId,
      number: null, // a draft has no number yet
      callId: dossier.callId,
      waveId: dossier.waveId,
      organisationId: dossier.organisationId,
      title: dossier.project.title ?? reminder.callTitle,
      closesAt: reminder.closesAt,
      daysLeft: reminder.daysLeft,
    }),
  );
}

// ── Attachments ─────────────────────────────────────────────────────────────────────────────────

/** Whether one more attachment may be added now (checked before its bytes are stored, and again when recorded). */
export function attachable(dossier: Dossier): DossierDecision {
  if (!isEditable(dossier.status)) return notEditable(dossier, 'attachments can change');
  if (dossier.attachments.length >= MAX_ATTACHMENTS_PER_DOSSIER) {
    return refused([{ name: 'too-many-attachments', detail: `a dossier may have at most ${MAX_ATTACHMENTS_PER_DOSSIER} attachments: remove one first` }]);
  }
  return accepted(dossier);
}

export function attach(dossier: Dossier, attachment: AttachmentEntry, now: Date): DossierDecision {
  const allowed = attachable(dossier);
  if (allowed.outcome !== 'accepted') return allowed;
  return accepted({ ...dossier, attachments: [...dossier.attachments, attachment], updatedAt: now });
}

export function detach(dossier: Dossier, attachmentId: string, now: Date): DossierDecision {
  if (!dossier.attachments.some((a) => a.attachmentId === attachmentId)) {
    return refused([{ name: 'attachment-exists', detail: `the dossier has no attachment ${attachmentId}` }]);
  }
  if (!isEditable(dossier.status)) return notEditable(dossier, 'attachments can change');
  return accepted({ ...dossier, attachments: dossier.attachments.filter((a) => a.attachmentId !== attachmentId), updatedAt: now });
}

/** The attachments as published in the dossier snapshot (what the receipt attests). */
export const attachmentSnapshotsOf = (dossier: Dossier): DossierSnapshot['attachments'] =>
  dossier.attachments.map(({ attachmentId, documentType, fileName, contentType, sizeBytes, sha256 }) => ({ attachmentId, documentType, fileName, contentType, sizeBytes, sha256 }));

// ── Submission ──────────────────────────────────────────────────────────────────────────────────

/** What a submission is checked against, loaded by the store before deciding. */
export interface SubmissionFacts {
  call: CallSnapshot;
  applicant: ApplicantSnapshot | null;
  /** Other active dossiers of the same organisation in the same wave. */
  otherActiveDossiersInWave: number;
}

/** Rules that only bind a first submission: an answer to a complement request may come after the window. */
const FIRST_SUBMISSION_ONLY = new Set(['window-open', 'call-published', 'active-dossiers-per-wave']);

function submissionOf(dossier: Dossier, facts: SubmissionFacts, now: Date): Violation[] {
  return submissionViolations({
    call: facts.call,
    waveId: dossier.waveId,
    applicant: facts.applicant,
    content: { project: dossier.project, budget: dossier.budget, documentTypes: dossier.attachments.map((a) => a.documentType) },
    otherActiveDossiersInWave: facts.otherActiveDossiersInWave,
    now,
  });
}

/** The submitted content and its hash (the receipt's attestation). */
function contentOf(dossier: Dossier) {
  const content = { project: dossier.project as ProjectSection, budget: dossier.budget as BudgetSection, attachments: attachmentSnapshotsOf(dossier) };
  return { content, hash: contentHash(content) };
}

function snapshotOf(dossier: Dossier, applicant: ApplicantSnapshot, hash: string): DossierSnapshot {
  const { content } = contentOf(dossier);
  return {
    dossierId: dossier.dossierId,
    number: dossier.number!,
    callId: dossier.callId,
    waveId: dossier.waveId,
    applicant,
    ...content,
    submittedAt: dossier.submittedAt!.toISOString(),
    contentHash: hash,
  };
}

export interface Submit {
  /** The receipt number, taken once the rules pass and a place in the wave is claimed (`submission-process.ts`). */
  number: string;
  idempotencyKey?: string;
  by: string;
}

/**
 * Submits a draft that passes every rule: the receipt (number, time, content hash), the status and
 * `dossier.submitted` carrying the whole dossier. A retry with the Idempotency-Key of the accepted
 * submit changes nothing (the caller answers with the same receipt).
 */
export function submit(dossier: Dossier, facts: SubmissionFacts, command: Submit, now: Date): DossierDecision {
  if (dossier.status !== 'draft' && command.idempotencyKey && dossier.submitIdempotencyKey === command.idempotencyKey) return accepted(dossier);
  if (dossier.status !== 'draft') return wrongStatus(dossier.status, `the dossier is already ${dossier.status}`);
  const violations = submissionOf(dossier, facts, now);
  if (violations.length) return refused(violations);
  const { hash } = contentOf(dossier);
  const next = moved(dossier, 'submitted', { at: now, by: command.by }, {
    number: command.number,
    applicant: facts.applicant!,
    submittedAt: now,
    contentHash: hash,
    ...(command.idempotencyKey ? { submitIdempotencyKey: command.idempotencyKey } : {}),
  });
  if (typeof next === 'string') return wrongStatus(dossier.status, next);
  return accepted(next, emit(DossierSubmitted, { ...referenceOf(next), dossier: snapshotOf(next, facts.applicant!, hash) }));
}

/** Withdraws a dossier before a decision. */
export function withdraw(dossier: Dossier, command: { reason?: string; by: string }, now: Date): DossierDecision {
  const next = moved(dossier, 'withdrawn', { at: now, by: command.by, ...(command.reason ? { note: command.reason } : {}) });
  return transitioned(
    next,
    dossier,
    emit(DossierWithdrawn, {
      ...referenceOf(dossier),
      reason: command.reason,
      withdrawnAt: now.toISOString(),
      requestedGrantCents: dossier.budget.requestedGrantCents ?? 0,
    }),
  );
}

/** Answers an open request for complements: the dossier goes back under review, resubmitted whole. */
export function answerComplement(
  dossier: Dossier,
  facts: SubmissionFacts,
  command: { complementRequestId: string; answer: string; by: string },
  now: Date,
): DossierDecision {
  const open = dossier.complementRequests.find((r) => r.complementRequestId === command.complementRequestId && !r.answeredAt);
  if (dossier.status !== 'complement-requested' || !open) {
    return wrongStatus(dossier.status, `no open complement request ${command.complementRequestId} on this dossier (it is ${dossier.status})`);
  }
  const violations = submissionOf(dossier, facts, now).filter((v) => !FIRST_SUBMISSION_ONLY.has(v.name));
  if (violations.length) return refused(violations);
  const { hash } = contentOf(dossier);
  const complementRequests = dossier.complementRequests.map((r) => (r === open ? { ...r, answeredAt: now, answer: command.answer } : r));
  const next = moved(dossier, 'resubmitted', { at: now, by: command.by, note: 'complements sent' }, { complementRequests, contentHash: hash });
  if (typeof next === 'string') return wrongStatus(dossier.status, next);
  return accepted(next, emit(DossierResubmitted, { ...referenceOf(next), dossier: snapshotOf(next, facts.applicant ?? dossier.applicant!, hash), complementRequestId: command.complementRequestId, answer: command.answer }));
}

// ── Evaluation events ───────────────────────────────────────────────────────────────────────────

/** The evaluation events this service applies, by fact. */
export const EVALUATION_EVENTS = {
  'review-started': DossierReviewStarted,
  'complement-requested': DossierComplementRequested,
  accepted: DossierAccepted,
  rejected: DossierRejected,
  waitlisted: DossierWaitlisted,
  'closed-without-follow-up': DossierClosedWithoutFollowUp,
  'decision-reopened': DossierDecisionReopened,
} as const satisfies Record<EvaluationFact, unknown>;

type EvaluationData = { [F in EvaluationFact]: EventData<(typeof EVALUATION_EVENTS)[F]> }[EvaluationFact];

/** What an evaluation fact changes besides the status. */
function evaluationChanges(dossier: Dossier, fact: EvaluationFact, data: EvaluationData, at: Date): Partial<Dossier> {
  const decided = (motivation: string, grantCents?: number): Partial<Dossier> => ({
    decision: { kind: fact, motivation, ...(grantCents !== undefined ? { grantCents } : {}), at },
  });
  switch (fact) {
    case 'complement-requested': {
      const d = data as EventData<typeof DossierComplementRequested>;
      return { complementRequests: [...dossier.complementRequests, { complementRequestId: d.complementRequestId, message: d.message, ...(d.dueDate ? { dueDate: d.dueDate } : {}), requestedAt: at }] };
    }
    case 'accepted': {
      const d = data as EventData<typeof DossierAccepted>;
      return decided(d.motivation, d.grantCents);
    }
    case 'rejected':
    case 'waitlisted':
    case 'closed-without-follow-up':
      return decided((data as { motivation: string }).motivation);
    case 'decision-reopened':
      return { decision: undefined };
    default:
      return {};
  }
}

/**
 * Applies an evaluation event through the lifecycle, once: an event already applied changes nothing
 * (accepted, same state); one the lifecycle refuses is wrong-status (the handler dead-letters it).
 */
export function applyEvaluation(dossier: Dossier, fact: EvaluationFact, event: { id: string; data: EvaluationData }, now: Date): DossierDecision {
  if (dossier.appliedEventIds.includes(event.id)) return accepted(dossier);
  const at = new Date(event.data.at);
  const next = moved(dossier, fact, { at, by: 'evaluation', eventId: event.id }, {
    ...evaluationChanges(dossier, fact, event.data, at),
    appliedEventIds: [...dossier.appliedEventIds, event.id],
  });
  if (typeof next === 'string') return wrongStatus(dossier.status, next);
  return accepted({ ...next, updatedAt: now });
}

