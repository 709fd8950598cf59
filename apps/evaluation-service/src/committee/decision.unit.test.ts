import { describe, expect, it } from 'vitest';
import { openEvaluation, type CommitteeDecision, type EvaluationState } from '../evaluations/evaluation';
import { testCall, testDossier } from '../testing/fixtures';
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
  it('given an evaluated dossier, when the committee approves within the cap, then it is accepted and dossier.accepted v3 carries the grant, the rate and the eligible cost', () => {
    const decision = approve(evaluated(), call, ranked, { grantCents: 8_000_000, motivation: 'Projet structurant.', by: 'committee-1' }, NOW);
    expect(decision).toMatchObject({
      outcome: 'accepted',
      state: { stage: 'decided', dossierStatus: 'accepted', decision: { kind: 'approved', grantCents: 8_000_000, decidedBy: 'committee-1', decidedAt: NOW } },
    });
    if (decision.outcome !== 'accepted') return;
    expect(decision.state.decisions).toHaveLength(1);
    expect(decision.events).toHaveLength(1);
    expect(decision.events[0]!.definition.type).toBe('dossier.accepted.v3');
    expect(decision.events[0]!.data).toMatchObject({
      grantCents: 8_000_000,
      stateRateBps: 5_000,
      eligibleCostCents: 20_000_000,
      requestedGrantCents: 10_000_000,
      motivation: 'Projet structurant.',
    });
  });

  it('given no amount and no motivation, when approved, then the grant is the cap and the motivation the default text', () => {
    const decision = approve(evaluated(), call, ranked, { by: 'committee-1' }, NOW);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { decision: { grantCents: 10_000_000, motivation: DEFAULT_APPROVAL_MOTIVATION } } });
  });

  it('given a grant above min(requested, rate × eligible cost, maximum), when approved, then grant-within-cap is refused on /grantCents', () => {
    // Requested 100 k€ but 50 % of 150 k€ is 75 k€: the cap is 75 k€.
    const state = evaluated({ snapshot: { ...evaluated().snapshot, budget: { eligibleCostCents: 15_000_000, requestedGrantCents: 10_000_000, otherFunding: [] } } });
    const decision = approve(state, call, ranked, { grantCents: 7_500_001, by: 'committee-1' }, NOW);
    expect(decision).toMatchObject({ outcome: 'refused', violations: [{ name: 'grant-within-cap', pointer: '/grantCents' }] });
    expect(approve(state, call, ranked, { grantCents: 7_500_000, by: 'committee-1' }, NOW).outcome).toBe('accepted');
  });

  it("given a grant below the call's minimum, when approved, then grant-minimum is refused", () => {
    expect(approve(evaluated(), call, ranked, { grantCents: 999_999, by: 'committee-1' }, NOW)).toMatchObject({ outcome: 'refused', violations: [{ name: 'grant-minimum' }] });
  });

  it('given an eliminated dossier, when approved, then it is refused: it can only be rejected', () => {
    expect(approve(evaluated(), call, eliminated, { by: 'committee-1' }, NOW)).toMatchObject({ outcome: 'refused', violations: [{ name: 'dossier-eliminated' }] });
  });

  it('given a waitlisted dossier, when approved, then it is accepted and both decisions are in the history', () => {
    const state = decided({ kind: 'waitlisted', rank: 1, motivation: 'Liste complémentaire.', decidedBy: 'committee-1', decidedAt: NOW }, 'waitlisted');
    const decision = approve(state, call, ranked, { by: 'committee-2' }, LATER);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { dossierStatus: 'accepted', decision: { kind: 'approved', decidedBy: 'committee-2' } } });
    expect(decision.outcome === 'accepted' && decision.state.decisions.map((d) => d.kind)).toEqual(['waitlisted', 'approved']);
  });

  it('given an approved dossier, when approved again, then it is a wrong status (reopen it first)', () => {
    expect(approve(decided(approvedBy(5_000_000), 'accepted'), call, ranked, { by: 'committee-1' }, NOW)).toMatchObject({ outcome: 'wrong-status' });
  });

  it('given a dossier still in review, when approved, then it is a wrong status', () => {
    expect(approve(evaluated({ stage: 'in-review' }), call, ranked, { by: 'committee-1' }, NOW)).toMatchObject({ outcome: 'wrong-status', status: 'in-review' });
  });
});

describe('reject', () => {
  it('given an evaluated dossier, when rejected without a motivation, then motivation-required is refused', () => {
    expect(reject(evaluated(), ranked, { motivation: '  ', by: 'committee-1' }, NOW)).toMatchObject({ outcome: 'refused', violations: [{ name: 'motivation-required', pointer: '/motivation' }] });
  });

  it('given an eliminated dossier, when rejected with a motivation, then dossier.rejected carries the motivation and the elimination reasons', () => {
    const decision = reject(evaluated(), eliminated, { motivation: 'Modèle économique insuffisant.', by: 'committee-1' }, NOW);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { stage: 'decided', dossierStatus: 'rejected', decision: { kind: 'rejected', decidedBy: 'committee-1' } } });
    expect(decision.outcome === 'accepted' && decision.events[0]!.data).toMatchObject({ motivation: 'Modèle économique insuffisant.', reasons: eliminated.eliminationReasons });
  });

  it('given a waitlisted dossier, when rejected, then it is rejected', () => {
    const state = decided({ kind: 'waitlisted', rank: 2, motivation: 'LC.', decidedBy: 'c', decidedAt: NOW }, 'waitlisted');
    expect(reject(state, ranked, { motivation: 'Enveloppe épuisée.', by: 'c' }, NOW)).toMatchObject({ outcome: 'accepted', state: { dossierStatus: 'rejected' } });
  });
});

describe('waitlist', () => {
  it('given an evaluated dossier, when waitlisted, then dossier.waitlisted carries its reserve-list rank', () => {
    const decision = waitlist(evaluated(), ranked, { rank: 3, by: 'committee-1' }, NOW);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { dossierStatus: 'waitlisted', decision: { kind: 'waitlisted', rank: 3 } } });
    expect(decision.outcome === 'accepted' && decision.events[0]!.data).toMatchObject({ rank: 3, motivation: expect.stringContaining('rang 3') });
  });

  it('given an eliminated dossier, when waitlisted, then it is refused', () => {
    expect(waitlist(evaluated(), eliminated, { rank: 1, by: 'c' }, NOW)).toMatchObject({ outcome: 'refused', violations: [{ name: 'dossier-eliminated' }] });
  });

  it('given a waitlisted dossier, when waitlisted again, then it is a wrong status', () => {
    const state = decided({ kind: 'waitlisted', rank: 1, motivation: 'LC.', decidedBy: 'c', decidedAt: NOW }, 'waitlisted');
    expect(waitlist(state, ranked, { rank: 1, by: 'c' }, NOW).outcome).toBe('wrong-status');
  });
});

describe('reopen', () => {
  it('given an approved dossier, when reopened with a motivation, then it is evaluated again and the decision stays in the history with who reopened it and when', () => {
    const decision = reopen(decided(approvedBy(5_000_000), 'accepted'), { motivation: 'Erreur de montant.', by: 'committee-2' }, LATER);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { stage: 'evaluated', dossierStatus: 'under-review', decision: undefined } });
    if (decision.outcome !== 'accepted') return;
    expect(decision.state.decisions).toEqual([{ ...approvedBy(5_000_000), reopenedBy: 'committee-2', reopenedAt: LATER, reopenMotivation: 'Erreur de montant.' }]);
    expect(decision.events[0]!.definition.type).toBe('dossier.decision-reopened.v2');
    expect(decision.events[0]!.data).toMatchObject({ reason: 'Erreur de montant.' });
  });

  it('given a decided dossier, when reopened without a motivation, then motivation-required is refused', () => {
    expect(reopen(decided(approvedBy(5_000_000), 'accepted'), { by: 'c' }, LATER)).toMatchObject({ outcome: 'refused', violations: [{ name: 'motivation-required' }] });
  });

  it('given an evaluated dossier without a decision, when reopened, then it is a wrong status', () => {
    expect(reopen(evaluated(), { motivation: 'x', by: 'c' }, LATER).outcome).toBe('wrong-status');
  });
});
