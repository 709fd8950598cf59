import { DOSSIER_STATUSES, type DossierStatus } from './events/dossiers';

/**
 * The dossier lifecycle, once for the whole platform: which fact (the `dossier.<fact>` event) moves
 * a dossier from which statuses to which. Submission applies it to its dossiers, notification to its
 * copy, evaluation decides with it. A transition not in this table does not happen.
 */
export const DOSSIER_TRANSITIONS = {
  submitted: { from: ['draft'], to: 'submitted' },
  resubmitted: { from: ['complement-requested'], to: 'under-review' },
  withdrawn: { from: ['submitted', 'under-review', 'complement-requested'], to: 'withdrawn' },
  'review-started': { from: ['submitted'], to: 'under-review' },
  'complement-requested': { from: ['submitted', 'under-review'], to: 'complement-requested' },
  accepted: { from: ['under-review', 'waitlisted'], to: 'accepted' },
  rejected: { from: ['submitted', 'under-review', 'complement-requested', 'waitlisted'], to: 'rejected' },
  waitlisted: { from: ['under-review'], to: 'waitlisted' },
  'closed-without-follow-up': { from: ['submitted', 'under-review', 'complement-requested', 'waitlisted'], to: 'closed-without-follow-up' },
  'decision-reopened': { from: ['accepted', 'rejected', 'waitlisted', 'closed-without-follow-up'], to: 'under-review' },
} as const satisfies Record<string, { from: readonly DossierStatus[]; to: DossierStatus }>;

/** A fact that moves a dossier: the `<fact>` of a `dossier.<fact>` event. */
export type DossierFact = keyof typeof DOSSIER_TRANSITIONS;
export const DOSSIER_FACTS = Object.keys(DOSSIER_TRANSITIONS) as DossierFact[];

/** The facts decided by the evaluation service (review, complements, committee decisions). */
export const EVALUATION_FACTS = [
  'review-started',
  'complement-requested',
  'accepted',
  'rejected',
  'waitlisted',
  'closed-without-follow-up',
  'decision-reopened',
] as const satisfies readonly DossierFact[];
export type EvaluationFact = (typeof EVALUATION_FACTS)[number];

export type Evolution = { status: DossierStatus } | { refused: string };

/** The status `fact` moves a dossier in `status` to, or why it cannot happen. */
export function evolve(status: DossierStatus, fact: DossierFact): Evolution {
  const transition = DOSSIER_TRANSITIONS[fact];
  if (!(transition.from as readonly DossierStatus[]).includes(status)) {
    return { refused: `dossier.${fact} cannot apply to a dossier that is ${status} (only to one that is ${transition.from.join(', ')})` };
  }
  return { status: transition.to };
}

/** The fact of a dossier event type, e.g. `dossier.accepted.v3` → `accepted`; undefined for one that moves nothing. */
export function dossierFactOf(eventType: string): DossierFact | undefined {
  const match = /^dossier\.([a-z-]+)\.v\d+$/.exec(eventType);
  return match && match[1]! in DOSSIER_TRANSITIONS ? (match[1] as DossierFact) : undefined;
}

/** Statuses in which the applicant may change the content (draft parts, attachments). */
export const EDITABLE_STATUSES = ['draft', 'complement-requested'] as const satisfies readonly DossierStatus[];
/** Before a decision, the applicant may withdraw: the statuses `withdrawn` leaves from. */
export const WITHDRAWABLE_STATUSES: readonly DossierStatus[] = DOSSIER_TRANSITIONS.withdrawn.from;
/** Statuses where the dossier's story has ended (a reopened decision starts it again). */
export const ENDED_STATUSES = ['withdrawn', 'rejected', 'closed-without-follow-up'] as const satisfies readonly DossierStatus[];
/**
 * Statuses of a dossier that counts for the call's "active dossiers per applicant and wave" rule:
 * submitted and not ended.
 */
export const ACTIVE_STATUSES: readonly DossierStatus[] = DOSSIER_STATUSES.filter(
  (status) => status !== 'draft' && !(ENDED_STATUSES as readonly DossierStatus[]).includes(status),
);

export const isEditable = (status: DossierStatus) => (EDITABLE_STATUSES as readonly DossierStatus[]).includes(status);
export const isActive = (status: DossierStatus) => ACTIVE_STATUSES.includes(status);
export const isWithdrawable = (status: DossierStatus) => WITHDRAWABLE_STATUSES.includes(status);
