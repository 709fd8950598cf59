import { describe, expect, it } from 'vitest';
import { DossierAccepted, DossierDecisionReopened, DossierRejected, DossierWaitlisted } from '@aap/contracts';
import { decider } from '@aap/test-harness/decider-spec';
import { openEvaluation, type CommitteeDecision, type EvaluationState } from '../evaluations/evaluation';
import { acceptedState, testCall, testDossier } from '../testing/fixtures';
import { approve, DEFAULT_APPROVAL_MOTIVATION, reject, reopen, waitlist } from './decision';

const NOW = new Date('2026-06-01T10:00:00Z');
const LATER = new Date('2026-06-02T10:00:00Z');
// Grants 10 k€–150 k€ at most 50 % of the eligible cost.
const call = testCall();
const ranked = { eliminationReasons: [] };
const eliminated = { eliminationReasons: ['modele: mean 2 is below the pass threshold 3'] };

/** A dossier asking 100 k€ on 200 k€ of eligible cost (cap 100 k€), every review in. */
function evaluated(overrides: Partial<EvaluationState> = {}): EvaluationState {
  const dossier = testDossier(call, { eligibleCostCents: 20_000_000, requestedGrantCents: 10_000_000 });
  return { ...openEvaluation(dossier, NOW), stage: 'evaluated', dossierStatus: 'under-review', version: 7, ...overrides };
}
function decided(decision: CommitteeDecision, status: EvaluationState['dossierStatus']): EvaluationState {
  return evaluated({ stage: 'decided', dossierStatus: status, decision, decisions: [decision] });
}
const approvedBy = (grantCents: number): CommitteeDecision => ({ kind: 'approved', grantCents, motivation: 'Retenu.', decidedBy: 'committee-1', decidedAt: NOW });

describe('approve', () => {
  const spec = decider(approve);

  it('given an evaluated dossier, when the committee approves within the cap, then it is accepted and dossier.accepted v3 carries the grant, the rate and the eligible cost', () => {
    const { decision } = spec
      .given(evaluated())
      .when(call, ranked, { grantCents: 8_000_000, motivation: 'Projet structurant.', by: 'committee-1' }, NOW)
      .then({ definition: DossierAccepted, data: { grantCents: 8_000_000, stateRateBps: 5_000, eligibleCostCents: 20_000_000, requestedGrantCents: 10_000_000, motivation: 'Projet structurant.' } })
      .thenState({ stage: 'decided', dossierStatus: 'accepted', decision: { kind: 'approved', grantCents: 8_000_000, decidedBy: 'committee-1', decidedAt: NOW } });
    expect(acceptedState(decision).decisions).toHaveLength(1);
    expect(decision.outcome === 'accepted' && decision.events[0]!.definition.type).toBe('dossier.accepted.v3');
  });

  it('given no amount and no motivation, when approved, then the grant is the cap and the motivation the default text', () => {
    spec.given(evaluated()).when(call, ranked, { by: 'committee-1' }, NOW).then(DossierAccepted).thenState({ decision: { grantCents: 10_000_000, motivation: DEFAULT_APPROVAL_MOTIVATION } });
  });

  it('given a grant above min(requested, rate × eligible cost, maximum), when approved, then grant-within-cap is refused on /grantCents', () => {
    // Requested 100 k€ but 50 % of 150 k€ is 75 k€: the cap is 75 k€.
    const state = evaluated({ snapshot: { ...evaluated().snapshot, budget: { eligibleCostCents: 15_000_000, requestedGrantCents: 10_000_000, otherFunding: [] } } });
    const { decision } = spec.given(state).when(call, ranked, { grantCents: 7_500_001, by: 'committee-1' }, NOW).thenRefused('grant-within-cap');
    expect(decision).toMatchObject({ violations: [{ pointer: '/grantCents' }] });
    spec.given(state).when(call, ranked, { grantCents: 7_500_000, by: 'committee-1' }, NOW).then(DossierAccepted);
  });

  it("given a grant below the call's minimum, when approved, then grant-minimum is refused", () => {
    spec.given(evaluated()).when(call, ranked, { grantCents: 999_999, by: 'committee-1' }, NOW).thenRefused('grant-minimum');
  });

  it('given an eliminated dossier, when approved, then it is refused: it can only be rejected', () => {
    spec.given(evaluated()).when(call, eliminated, { by: 'committee-1' }, NOW).thenRefused('dossier-eliminated');
  });

  it('given a waitlisted dossier, when approved, then it is accepted and both decisions are in the history', () => {
    const state = decided({ kind: 'waitlisted', rank: 1, motivation: 'Liste complémentaire.', decidedBy: 'committee-1', decidedAt: NOW }, 'waitlisted');
    const { decision } = spec.given(state).when(call, ranked, { by: 'committee-2' }, LATER).then(DossierAccepted).thenState({ dossierStatus: 'accepted', decision: { kind: 'approved', decidedBy: 'committee-2' } });
    expect(acceptedState(decision).decisions.map((d) => d.kind)).toEqual(['waitlisted', 'approved']);
  });

  it('given an approved dossier, when approved again, then it is a wrong status (reopen it first)', () => {
    spec.given(decided(approvedBy(5_000_000), 'accepted')).when(call, ranked, { by: 'committee-1' }, NOW).thenWrongStatus('decided');
  });

  it('given a dossier still in review, when approved, then it is a wrong status', () => {
    spec.given(evaluated({ stage: 'in-review' })).when(call, ranked, { by: 'committee-1' }, NOW).thenWrongStatus('in-review');
  });
});

describe('reject', () => {
  const spec = decider(reject);

  it('given an evaluated dossier, when rejected without a motivation, then motivation-required is refused', () => {
    const { decision } = spec.given(evaluated()).when(ranked, { motivation: '  ', by: 'committee-1' }, NOW).thenRefused('motivation-required');
    expect(decision).toMatchObject({ violations: [{ pointer: '/motivation' }] });
  });

  it('given an eliminated dossier, when rejected with a motivation, then dossier.rejected carries the motivation and the elimination reasons', () => {
    spec
      .given(evaluated())
      .when(eliminated, { motivation: 'Modèle économique insuffisant.', by: 'committee-1' }, NOW)
      .then({ definition: DossierRejected, data: { motivation: 'Modèle économique insuffisant.', reasons: eliminated.eliminationReasons } })
      .thenState({ stage: 'decided', dossierStatus: 'rejected', decision: { kind: 'rejected', decidedBy: 'committee-1' } });
  });

  it('given a waitlisted dossier, when rejected, then it is rejected', () => {
    const state = decided({ kind: 'waitlisted', rank: 2, motivation: 'LC.', decidedBy: 'c', decidedAt: NOW }, 'waitlisted');
    spec.given(state).when(ranked, { motivation: 'Enveloppe épuisée.', by: 'c' }, NOW).then(DossierRejected).thenState({ dossierStatus: 'rejected' });
  });
});

describe('waitlist', () => {
  const spec = decider(waitlist);

  it('given an evaluated dossier, when waitlisted, then dossier.waitlisted carries its reserve-list rank', () => {
    spec
      .given(evaluated())
      .when(ranked, { rank: 3, by: 'committee-1' }, NOW)
      .then({ definition: DossierWaitlisted, data: { rank: 3, motivation: expect.stringContaining('rang 3') } })
      .thenState({ dossierStatus: 'waitlisted', decision: { kind: 'waitlisted', rank: 3 } });
  });

  it('given an eliminated dossier, when waitlisted, then it is refused', () => {
    spec.given(evaluated()).when(eliminated, { rank: 1, by: 'c' }, NOW).thenRefused('dossier-eliminated');
  });

  it('given a waitlisted dossier, when waitlisted again, then it is a wrong status', () => {
    const state = decided({ kind: 'waitlisted', rank: 1, motivation: 'LC.', decidedBy: 'c', decidedAt: NOW }, 'waitlisted');
    spec.given(state).when(ranked, { rank: 1, by: 'c' }, NOW).thenWrongStatus('decided');
  });
});

describe('reopen', () => {
  const spec = decider(reopen);

  it('given an approved dossier, when reopened with a motivation, then it is evaluated again and the decision stays in the history with who reopened it and when', () => {
    const { decision } = spec
      .given(decided(approvedBy(5_000_000), 'accepted'))
      .when({ motivation: 'Erreur de montant.', by: 'committee-2' }, LATER)
      .then({ definition: DossierDecisionReopened, data: { reason: 'Erreur de montant.' } })
      .thenState({ stage: 'evaluated', dossierStatus: 'under-review', decision: undefined });
    expect(acceptedState(decision).decisions).toEqual([{ ...approvedBy(5_000_000), reopenedBy: 'committee-2', reopenedAt: LATER, reopenMotivation: 'Erreur de montant.' }]);
    expect(decision.outcome === 'accepted' && decision.events[0]!.definition.type).toBe('dossier.decision-reopened.v2');
  });

  it('given a decided dossier, when reopened without a motivation, then motivation-required is refused', () => {
    spec.given(decided(approvedBy(5_000_000), 'accepted')).when({ by: 'c' }, LATER).thenRefused('motivation-required');
  });

  it('given an evaluated dossier without a decision, when reopened, then it is a wrong status', () => {
    spec.given(evaluated()).when({ motivation: 'x', by: 'c' }, LATER).thenWrongStatus('evaluated');
  });
});

describe('separation of duties', () => {
  const assignment = (state: 'assigned' | 'submitted' | 'recused') => ({ reviewerId: 'committee-1', name: 'Claire Comité', email: 'claire@example.org', assignedAt: NOW, dueAt: LATER, state });
  const reviewedByTheDecider = evaluated({
    assignments: [assignment('submitted')],
    reviews: [{ reviewerId: 'committee-1', scores: [], weightedScore: 70, submittedAt: NOW }],
  });

  it('given a dossier the committee member reviewed, when they approve, reject or waitlist it, then separation-of-duties is refused', () => {
    decider(approve).given(reviewedByTheDecider).when(call, ranked, { by: 'committee-1' }, NOW).thenRefused('separation-of-duties');
    decider(reject).given(reviewedByTheDecider).when(ranked, { motivation: 'Non.', by: 'committee-1' }, NOW).thenRefused('separation-of-duties');
    decider(waitlist).given(reviewedByTheDecider).when(ranked, { rank: 1, by: 'committee-1' }, NOW).thenRefused('separation-of-duties');
  });

  it('given a dossier the committee member is assigned (or recused from), when they approve it, then separation-of-duties is refused; another member decides', () => {
    for (const state of ['assigned', 'recused'] as const) {
      decider(approve).given(evaluated({ assignments: [assignment(state)] })).when(call, ranked, { by: 'committee-1' }, NOW).thenRefused('separation-of-duties');
    }
    decider(approve).given(reviewedByTheDecider).when(call, ranked, { by: 'committee-2' }, NOW).then(DossierAccepted);
  });

  it('given a decision on a dossier the member reviewed, when they reopen it, then separation-of-duties is refused', () => {
    const state = { ...decided(approvedBy(8_000_000), 'accepted'), assignments: [assignment('submitted')] };
    decider(reopen).given(state).when({ motivation: 'Erreur.', by: 'committee-1' }, LATER).thenRefused('separation-of-duties');
  });
});
