import type { z } from 'zod';
import type { CallSnapshot } from './events/calls';
import type { budgetSection } from './events/dossiers';
import { isCollectivite, type ApplicantSnapshot } from './vocabulary';
import type { Violation } from './decision';

/**
 * The rules of a call a dossier must meet, in one place: the submission service checks them before a
 * submit, the evaluation service again at admissibility (against its own copy of the call), and the
 * committee computes the grant it may approve with the same arithmetic. Whole euro cents only.
 */

type BudgetSection = z.infer<typeof budgetSection>;
type Cofinancing = CallSnapshot['cofinancing'];
/** What the grant arithmetic reads of a call's cofinancing. */
type GrantRules = Pick<Cofinancing, 'maxStateRateBps' | 'maxGrantCents'>;

export const euros = (cents: number) => new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(cents / 100);
export const percent = (bps: number) => `${bps / 100} %`;

/** floor(amount × bps / 10 000), exact also beyond 2^53 (BigInt only then). */
export function applyBps(amountCents: number, bps: number): number {
  const product = amountCents * bps;
  if (Number.isSafeInteger(product)) return Math.floor(product / 10_000);
  return Number((BigInt(amountCents) * BigInt(bps)) / 10_000n);
}

/** The State's share at the call's rate, in whole cents rounded down: the State never pays more than rate × cost. */
export const rateCapCents = (cofinancing: Pick<GrantRules, 'maxStateRateBps'>, eligibleCostCents: number) => applyBps(eligibleCostCents, cofinancing.maxStateRateBps);

/** The most the committee may approve: min(requested, rate × eligible cost, call maximum). */
export function grantCapCents(cofinancing: GrantRules, budget: Pick<BudgetSection, 'eligibleCostCents' | 'requestedGrantCents'>): number {
  return Math.min(budget.requestedGrantCents, rateCapCents(cofinancing, budget.eligibleCostCents), cofinancing.maxGrantCents);
}

/** Who may apply: the applicant's kind, and groupements when the call accepts them. */
export function applicantViolations(call: CallSnapshot, applicant: Omit<ApplicantSnapshot, 'contacts'>): Violation[] {
  const violations: Violation[] = [];
  if (!call.eligibleApplicantKinds.includes(applicant.kind)) {
    violations.push({ name: 'applicant-kind-eligible', detail: `a ${applicant.kind} may not apply to this call (eligible: ${call.eligibleApplicantKinds.join(', ')})` });
  }
  if (applicant.groupementMemberSirens?.length && !call.groupementsAllowed) {
    violations.push({ name: 'groupements-allowed', detail: 'this call does not accept groupements' });
  }
  return violations;
}

/** The budget plan against the call's money rules (balance, minimum cost, grant range and rate, public funding, own contribution). */
export function budgetViolations(call: CallSnapshot, applicant: Omit<ApplicantSnapshot, 'contacts'> | null, budget: BudgetSection): Violation[] {
  const violations: Violation[] = [];
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
  const rateCap = rateCapCents(cofinancing, cost);
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
