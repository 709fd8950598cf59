import { z } from 'zod';
import {
  budgetSection,
  isCollectivite,
  projectSection,
  type ApplicantSnapshot,
  type CallSnapshot,
  type DossierStatus,
} from '@aap/contracts';

/**
 * The dossier's pure domain: which statuses a change may leave from, and every rule of its call that
 * a submission must satisfy. No I/O: the route loads the call, the applicant and the counts, and
 * asks these functions.
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

/** Statuses in which the applicant may change the content (draft parts, attachments). */
export const EDITABLE_STATUSES: readonly DossierStatus[] = ['draft', 'complement-requested'];
/** Statuses of a dossier that is "active" for the one-dossier-per-wave rule. */
export const ACTIVE_STATUSES: readonly DossierStatus[] = ['submitted', 'under-review', 'complement-requested', 'waitlisted', 'accepted'];
/** Before a decision: the applicant may withdraw. */
export const WITHDRAWABLE_STATUSES: readonly DossierStatus[] = ['submitted', 'under-review', 'complement-requested'];

/** Where each evaluation decision may move a dossier from (others are refused, see applyDecision). */
export const DECISION_TRANSITIONS = {
  'review-started': { from: ['submitted'], to: 'under-review' },
  'complement-requested': { from: ['submitted', 'under-review'], to: 'complement-requested' },
  accepted: { from: ['under-review', 'waitlisted'], to: 'accepted' },
  rejected: { from: ['submitted', 'under-review', 'complement-requested', 'waitlisted'], to: 'rejected' },
  waitlisted: { from: ['under-review'], to: 'waitlisted' },
  'closed-without-follow-up': { from: ['submitted', 'under-review', 'complement-requested', 'waitlisted'], to: 'closed-without-follow-up' },
  'decision-reopened': { from: ['accepted', 'rejected', 'waitlisted', 'closed-without-follow-up'], to: 'under-review' },
} as const satisfies Record<string, { from: readonly DossierStatus[]; to: DossierStatus }>;
export type Decision = keyof typeof DECISION_TRANSITIONS;

export interface RuleViolation {
  /** Stable rule name, e.g. `window-open`, or the field path for a missing field, e.g. `project.title`. */
  name: string;
  detail: string;
  pointer?: string;
}

const euros = (cents: number) =>
  new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(cents / 100);
const percent = (bps: number) => `${bps / 100} %`;

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
export function submissionViolations(ctx: SubmissionContext): RuleViolation[] {
  const { call, content, applicant, now } = ctx;
  const violations: RuleViolation[] = [];
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
    if (!call.eligibleApplicantKinds.includes(applicant.kind)) {
      add('applicant-kind-eligible', `a ${applicant.kind} may not apply to this call (eligible: ${call.eligibleApplicantKinds.join(', ')})`);
    }
    if (applicant.groupementMemberSirens?.length && !call.groupementsAllowed) {
      add('groupements-allowed', 'this call does not accept groupements');
    }
  }
  if (ctx.otherActiveDossiersInWave >= call.maxActiveDossiersPerApplicantPerWave) {
    add('active-dossiers-per-wave', `the organisation already has ${ctx.otherActiveDossiersInWave} active dossier(s) in this wave (at most ${call.maxActiveDossiersPerApplicantPerWave})`);
  }

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

function budgetViolations(call: CallSnapshot, applicant: ApplicantSnapshot | null, budget: BudgetSection): RuleViolation[] {
  const violations: RuleViolation[] = [];
  const add = (name: string, detail: string, pointer?: string) => violations.push({ name, detail, ...(pointer ? { pointer } : {}) });
  const { cofinancing } = call;
  const cost = budget.eligibleCostCents;
  const requested = budget.requestedGrantCents;
  const otherTotal = budget.otherFunding.reduce((sum, source) => sum + source.amountCents, 0);

  if (cost !== requested + otherTotal) {
    add('budget-balanced', `eligible cost ${euros(cost)} must equal the requested grant ${euros(requested)} plus the other funding ${euros(otherTotal)} (= ${euros(requested + otherTotal)})`, '#/budget');
  }
  if (cost < cofinancing.minProjectCostCents) {
    add('minimum-project-cost', `the eligible cost ${euros(cost)} is below the call's minimum ${euros(cofinancing.minProjectCostCents)}`, '#/budget/eligibleCostCents');
  }
  if (requested < cofinancing.minGrantCents) {
    add('grant-minimum', `the requested grant ${euros(requested)} is below the call's minimum ${euros(cofinancing.minGrantCents)}`, '#/budget/requestedGrantCents');
  }
  if (requested > cofinancing.maxGrantCents) {
    add('grant-maximum', `the requested grant ${euros(requested)} is above the call's maximum ${euros(cofinancing.maxGrantCents)}`, '#/budget/requestedGrantCents');
  }
  // Whole cents, rounded down: the State never pays more than rate × cost.
  const rateCap = Math.floor((cost * cofinancing.maxStateRateBps) / 10_000);
  if (requested > rateCap) {
    add('grant-within-rate', `the requested grant ${euros(requested)} exceeds ${percent(cofinancing.maxStateRateBps)} of the eligible cost (${euros(rateCap)})`, '#/budget/requestedGrantCents');
  }

  const collectivite = applicant ? isCollectivite(applicant.kind) : false;
  // A collectivité's own contribution is public money; a tiers-lieu's is private.
  const isPublic = (kind: BudgetSection['otherFunding'][number]['kind']) => kind !== 'private' && (kind !== 'own-contribution' || collectivite);
  const publicTotal = requested + budget.otherFunding.filter((s) => isPublic(s.kind)).reduce((sum, s) => sum + s.amountCents, 0);
  if (publicTotal > cost) {
    add('public-funding-within-cost', `total public funding ${euros(publicTotal)} exceeds the eligible cost ${euros(cost)} (décret 2018-514 art. 10)`, '#/budget/otherFunding');
  }
  if (collectivite && cofinancing.ownContribution.enabled) {
    const own = budget.otherFunding.filter((s) => s.kind === 'own-contribution').reduce((sum, s) => sum + s.amountCents, 0);
    const minimum = Math.ceil((publicTotal * cofinancing.ownContribution.minShareBps) / 10_000);
    if (own < minimum) {
      add('own-contribution', `the collectivité's own contribution ${euros(own)} is below ${percent(cofinancing.ownContribution.minShareBps)} of the public funding (${euros(minimum)}; CGCT L1111-10 III)`, '#/budget/otherFunding');
    }
  }
  return violations;
}

/** The status a decision moves the dossier to, or why it cannot. */
export function applyDecision(current: DossierStatus, decision: Decision): { to: DossierStatus } | { refused: string } {
  const transition = DECISION_TRANSITIONS[decision];
  if (!(transition.from as readonly DossierStatus[]).includes(current)) {
    return { refused: `a ${decision} decision cannot apply to a dossier that is ${current} (expected ${transition.from.join(' or ')})` };
  }
  return { to: transition.to };
}
