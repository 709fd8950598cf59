import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ApplicantSnapshot, CallSnapshot } from '@aap/contracts';
import { applyDecision, submissionViolations, type SubmissionContext } from './dossier';
import { canonicalJson, contentHash } from './content-hash';

const now = new Date('2026-03-10T10:00:00+01:00');

const call: CallSnapshot = {
  callId: 'pass-numerique-2026',
  status: 'published',
  title: 'Pass numérique 2026',
  programme: 'Pass numérique',
  description: '',
  budgetEnvelopeCents: 1_500_000_000,
  eligibleApplicantKinds: ['commune', 'epci', 'metropole', 'departement', 'region'],
  groupementsAllowed: false,
  cofinancing: {
    maxStateRateBps: 5000,
    minGrantCents: 1_000_000,
    maxGrantCents: 150_000_000,
    minProjectCostCents: 2_000_000,
    ownContribution: { enabled: true, minShareBps: 2000 },
  },
  requiredDocuments: [{ type: 'deliberation', label: 'Délibération' }],
  scoringGrid: { criteria: [{ criterionId: 'impact', label: 'Impact', weight: 1, maxScore: 5 }] },
  reviewersPerDossier: 3,
  paymentSchedule: { advanceBps: 3000, interimCapBps: 8000 },
  waves: [{ waveId: 'w1', label: 'Vague 1', opensAt: '2026-03-01T00:00:00+01:00', closesAt: '2026-03-31T23:59:59+02:00' }],
  maxActiveDossiersPerApplicantPerWave: 1,
  reminderDaysBeforeClose: 7,
  closesAt: '2026-03-31T23:59:59+02:00',
  version: 2,
};

const commune: ApplicantSnapshot = {
  organisationId: '216901231',
  name: 'Lyon',
  kind: 'commune',
  territory: { communeCode: '69123', departements: ['69'], regions: ['84'] },
  contacts: [{ name: 'Mairie', email: 'numerique@mairie-lyon.fr' }],
};

/** A dossier that passes every rule: 40 k€ cost = 20 k€ State (50 %) + 20 k€ own contribution. */
function valid(overrides: Partial<SubmissionContext> = {}): SubmissionContext {
  return {
    call,
    waveId: 'w1',
    applicant: commune,
    otherActiveDossiersInWave: 0,
    now,
    content: {
      project: { title: 'Pass numérique Lyon', summary: 'r', description: 'd', startDate: '2026-05-01', endDate: '2027-04-30' },
      budget: { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'Ville de Lyon', amountCents: 2_000_000 }] },
      documentTypes: ['deliberation'],
    },
    ...overrides,
  };
}
const names = (ctx: SubmissionContext) => submissionViolations(ctx).map((v) => v.name);
const withBudget = (budget: SubmissionContext['content']['budget']) => valid({ content: { ...valid().content, budget } });

describe('submission rules', () => {
  it('given a dossier that respects every rule, then nothing is violated', () => {
    expect(submissionViolations(valid())).toEqual([]);
  });

  it('given the wave is not open or the call not published, then window rules fail', () => {
    expect(names(valid({ now: new Date('2026-02-28T12:00:00Z') }))).toEqual(['window-open']);
    expect(names(valid({ now: new Date('2026-03-31T22:00:00Z') }))).toEqual(['window-open']); // 23:59:59+02:00 = 21:59:59Z
    expect(names(valid({ call: { ...call, status: 'closed' } }))).toEqual(['call-published']);
    expect(names(valid({ waveId: 'w9' }))).toEqual(['window-open']);
  });

  it('given an ineligible or unregistered applicant, then applicant rules fail', () => {
    expect(names(valid({ applicant: { ...commune, kind: 'association' } }))).toContain('applicant-kind-eligible');
    expect(names(valid({ applicant: null }))).toEqual(['applicant-registered']);
    expect(names(valid({ applicant: { ...commune, groupementMemberSirens: ['200046977'] } }))).toEqual(['groupements-allowed']);
    expect(names(valid({ otherActiveDossiersInWave: 1 }))).toEqual(['active-dossiers-per-wave']);
  });

  it('given missing fields and documents, then one violation per missing item with its pointer', () => {
    const violations = submissionViolations(valid({ content: { project: { title: 'T' }, budget: {}, documentTypes: [] } }));
    expect(violations.map((v) => [v.name, v.pointer])).toEqual([
      ['project.summary', '#/project/summary'],
      ['project.description', '#/project/description'],
      ['project.startDate', '#/project/startDate'],
      ['project.endDate', '#/project/endDate'],
      ['required-documents', undefined],
      ['budget.eligibleCostCents', '#/budget/eligibleCostCents'],
      ['budget.requestedGrantCents', '#/budget/requestedGrantCents'],
    ]);
  });

  it('given an unbalanced budget, then budget-balanced fails with the amounts in euros', () => {
    const [violation] = submissionViolations(withBudget({ eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'x', amountCents: 1_999_999 }] }));
    expect(violation!.name).toBe('budget-balanced');
    expect(violation!.detail).toMatch(/39\s999,99\s€/); // fr-FR groups with a narrow no-break space
  });

  it('given amounts outside the call limits, then the money rules fail', () => {
    // 15 k€ cost: below the 20 k€ minimum; 7.5 k€ requested: below the 10 k€ minimum grant.
    expect(names(withBudget({ eligibleCostCents: 1_500_000, requestedGrantCents: 750_000, otherFunding: [{ kind: 'own-contribution', funder: 'x', amountCents: 750_000 }] }))).toEqual([
      'minimum-project-cost',
      'grant-minimum',
    ]);
    // 60 % of the cost requested: above the 50 % rate.
    expect(names(withBudget({ eligibleCostCents: 4_000_000, requestedGrantCents: 2_400_000, otherFunding: [{ kind: 'own-contribution', funder: 'x', amountCents: 1_600_000 }] }))).toEqual(['grant-within-rate']);
    // 4 M€ cost, 2 M€ requested: above the 1.5 M€ maximum grant.
    expect(names(withBudget({ eligibleCostCents: 400_000_000, requestedGrantCents: 200_000_000, otherFunding: [{ kind: 'own-contribution', funder: 'x', amountCents: 200_000_000 }] }))).toEqual(['grant-maximum']);
  });

  it('given a collectivité funding less than 20 % of the public funding itself, then own-contribution fails', () => {
    // 100 k€ = 50 k€ State + 40 k€ région + 10 k€ own: public 100 k€, own 10 % < 20 %.
    const budget = { eligibleCostCents: 10_000_000, requestedGrantCents: 5_000_000, otherFunding: [
      { kind: 'region' as const, funder: 'Région', amountCents: 4_000_000 },
      { kind: 'own-contribution' as const, funder: 'Ville', amountCents: 1_000_000 },
    ] };
    expect(names(withBudget(budget))).toEqual(['own-contribution']);
    // The rule is a setting of the call: off, it passes.
    expect(names({ ...withBudget(budget), call: { ...call, cofinancing: { ...call.cofinancing, ownContribution: { enabled: false, minShareBps: 2000 } } } })).toEqual([]);
  });

  it('given a tiers-lieu, then its own contribution is private money and the 20 % rule does not apply', () => {
    const tiersLieu: ApplicantSnapshot = { ...commune, organisationId: '12345678900011', kind: 'association' };
    const ctx = { ...withBudget({ eligibleCostCents: 10_000_000, requestedGrantCents: 5_000_000, otherFunding: [{ kind: 'private', funder: 'Fondation', amountCents: 5_000_000 }] }), applicant: tiersLieu, call: { ...call, eligibleApplicantKinds: ['association' as const] } };
    expect(names(ctx)).toEqual([]);
  });

  it('property: a balanced budget at or under the State rate never breaks budget-balanced or grant-within-rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2_000_000, max: 300_000_000 }), fc.integer({ min: 0, max: 5000 }), (cost, rateBps) => {
        const requested = Math.floor((cost * rateBps) / 10_000);
        const own = cost - requested;
        const found = names(withBudget({ eligibleCostCents: cost, requestedGrantCents: requested, otherFunding: [{ kind: 'own-contribution', funder: 'x', amountCents: own }] }));
        return !found.includes('budget-balanced') && !found.includes('grant-within-rate');
      }),
    );
  });
});

describe('decisions applied to a dossier', () => {
  it('given each decision, then it moves only from the statuses it may leave', () => {
    expect(applyDecision('submitted', 'review-started')).toEqual({ to: 'under-review' });
    expect(applyDecision('under-review', 'complement-requested')).toEqual({ to: 'complement-requested' });
    expect(applyDecision('under-review', 'accepted')).toEqual({ to: 'accepted' });
    expect(applyDecision('submitted', 'rejected')).toEqual({ to: 'rejected' }); // ineligible: never reaches reviewers
    expect(applyDecision('under-review', 'waitlisted')).toEqual({ to: 'waitlisted' });
    expect(applyDecision('waitlisted', 'accepted')).toEqual({ to: 'accepted' });
    expect(applyDecision('complement-requested', 'closed-without-follow-up')).toEqual({ to: 'closed-without-follow-up' });
    expect(applyDecision('rejected', 'decision-reopened')).toEqual({ to: 'under-review' });
  });

  it('given an impossible transition, then it is refused with the reason', () => {
    expect(applyDecision('withdrawn', 'accepted')).toEqual({ refused: expect.stringContaining('cannot apply to a dossier that is withdrawn') });
    expect(applyDecision('draft', 'review-started')).toHaveProperty('refused');
    expect(applyDecision('under-review', 'decision-reopened')).toHaveProperty('refused');
  });
});

describe('content hash', () => {
  it('does not depend on key order, and changes with any value', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"e":3,"f":2}]},"b":1}');
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash({ a: 1, b: 2 })).not.toBe(contentHash({ a: 1, b: 3 }));
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});
