import type { DossierApplicant, EvaluationSettings } from '@aap/contracts';
import { epciOfCommune } from '@aap/contracts/geography';
import type { PoolReviewer } from './pool';

/**
 * A CONFLICTED REVIEWER IS NEVER ASSIGNED — the rule, pure. The assignment (assignment.ts) chooses
 * only among `withoutConflicts(...)`, and a reviewer who declared a conflict on a dossier is never
 * chosen for it again.
 *
 * Conflicts of interest: why a reviewer may not review an applicant's dossier.
 * - own organisation, always: the reviewer's organisation is the applicant (its SIREN, the first 9
 *   digits of its SIREN or SIRET) or one of its groupement's members;
 * - same département, when the call says so: the reviewer's home département is one of the applicant's;
 * - same EPCI, when the call says so: the applicant is the reviewer's EPCI, or its commune is a member
 *   of it (commune → EPCI from the official geography).
 */

export type ConflictRule = 'own-organisation' | 'same-departement' | 'same-epci';

export interface Conflict {
  reviewerId: string;
  rule: ConflictRule;
  reason: string;
}

export type ConflictSettings = Pick<EvaluationSettings, 'excludeReviewersOfSameDepartement' | 'excludeReviewersOfSameEpci'>;

type Reviewer = Pick<PoolReviewer, 'reviewerId' | 'departement' | 'epciSiren' | 'organisationSiren'>;

/** The applicant's SIREN: an organisation id is a SIREN or a SIRET (SIREN + 5-digit establishment). */
export const sirenOf = (organisationId: string) => organisationId.slice(0, 9);

/** Every conflict between the reviewer and the applicant (empty when the reviewer may review it). */
export function conflictsOf(reviewer: Reviewer, applicant: DossierApplicant, settings: ConflictSettings): Conflict[] {
  const conflicts: Conflict[] = [];
  const conflict = (rule: ConflictRule, reason: string) => conflicts.push({ reviewerId: reviewer.reviewerId, rule, reason });
  const applicantSiren = sirenOf(applicant.organisationId);

  if (reviewer.organisationSiren) {
    if (reviewer.organisationSiren === applicantSiren) conflict('own-organisation', `the applicant is the reviewer's own organisation (SIREN ${applicantSiren})`);
    else if (applicant.groupementMemberSirens?.includes(reviewer.organisationSiren)) {
      conflict('own-organisation', `the reviewer's organisation (SIREN ${reviewer.organisationSiren}) is a member of the applicant's groupement`);
    }
  }
  if (settings.excludeReviewersOfSameDepartement && applicant.territory.departements.includes(reviewer.departement)) {
    conflict('same-departement', `the call excludes reviewers of the applicant's département (${reviewer.departement})`);
  }
  if (settings.excludeReviewersOfSameEpci && reviewer.epciSiren) {
    const communeCode = applicant.territory.communeCode;
    if (applicantSiren === reviewer.epciSiren) conflict('same-epci', `the applicant is the reviewer's EPCI (SIREN ${reviewer.epciSiren})`);
    else if (communeCode && epciOfCommune(communeCode) === reviewer.epciSiren) {
      conflict('same-epci', `the applicant's commune (${communeCode}) belongs to the reviewer's EPCI (SIREN ${reviewer.epciSiren})`);
    }
  }
  return conflicts;
}

/**
 * The reviewers of the pool who may review the applicant's dossier: active, not `excluded` (already
 * on the dossier, or recused from it), and in no conflict; the conflicts found are returned with the reasons.
 */
export function withoutConflicts<R extends Reviewer & Pick<PoolReviewer, 'active'>>(
  pool: readonly R[],
  applicant: DossierApplicant,
  settings: ConflictSettings,
  excluded: ReadonlySet<string>,
): { candidates: R[]; conflicts: Conflict[] } {
  const conflicts: Conflict[] = [];
  const candidates = pool.filter((reviewer) => {
    if (!reviewer.active || excluded.has(reviewer.reviewerId)) return false;
    const found = conflictsOf(reviewer, applicant, settings);
    conflicts.push(...found);
    return found.length === 0;
  });
  return { candidates, conflicts };
}
