import { describe, expect, it } from 'vitest';
import type { CallSnapshot } from '@aap/contracts';
import { openEvaluation, type Assignment, type EvaluationState } from '../evaluations/evaluation';
import { testCall, testDossier } from '../testing/fixtures';
import { normalisation } from '../scoring/scoring';
import { completeIfReviewed, submitReview } from './review';
import { toSheet } from './review.views';

const NOW = new Date('2026-05-04T10:00:00Z');
const call: CallSnapshot = testCall({ reviewersPerDossier: 2 }, { disagreementShareBps: 2_000 });
const assignment = (reviewerId: string, state: Assignment['state'] = 'assigned'): Assignment => ({
  reviewerId,
  name: `Expert ${reviewerId}`,
  email: `${reviewerId}@example.org`,
  assignedAt: NOW,
  dueAt: new Date('2026-05-25T10:00:00Z'),
  state,
});
/** Grid of testCall: weighted = 4·ancrage + 3·publics + 2·modele + partenariats. */
const scores = (a: number, b: number, c: number, d: number, comment = 'Argumenté.') =>
  [['ancrage', a], ['publics', b], ['modele', c], ['partenariats', d]].map(([criterionId, score]) => ({ criterionId: criterionId as string, score: score as number, comment }));

function inReview(assignments: Assignment[]): EvaluationState {
  return { ...openEvaluation(testDossier(call), NOW), stage: 'in-review', dossierStatus: 'under-review', assignments, version: 3 };
}

describe('submitReview', () => {
  it('given an assigned reviewer, when they score every criterion, then the review is recorded with its weighted score and evaluation.review-submitted carries no comment', () => {
    const decision = submitReview(inReview([assignment('r1'), assignment('r2')]), call, { reviewerId: 'r1', scores: scores(8, 6, 4, 2, '  Solide.  ') }, NOW);
    expect(decision.outcome).toBe('accepted');
    if (decision.outcome !== 'accepted') return;
    // 8·4 + 6·3 + 4·2 + 2 = 60
    expect(decision.state.reviews).toEqual([{ reviewerId: 'r1', weightedScore: 60, submittedAt: NOW, scores: scores(8, 6, 4, 2, 'Solide.') }]);
    expect(decision.state.assignments.map((a) => a.state)).toEqual(['submitted', 'assigned']);
    expect(decision.state.stage).toBe('in-review');
    expect(decision.events.map((e) => e.definition.name)).toEqual(['evaluation.review-submitted']);
    expect(JSON.stringify(decision.events[0]!.data)).not.toContain('Solide');
  });

  it('given the other reviewer already submitted, when the last one submits, then the evaluation is evaluated in the same decision with evaluation.completed', () => {
    const first = submitReview(inReview([assignment('r1'), assignment('r2')]), call, { reviewerId: 'r1', scores: scores(10, 10, 10, 10) }, NOW);
    if (first.outcome !== 'accepted') throw new Error('first refused');
    const decision = submitReview(first.state, call, { reviewerId: 'r2', scores: scores(7, 7, 2, 7) }, NOW);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { stage: 'evaluated', completedAt: NOW } });
    if (decision.outcome !== 'accepted') return;
    expect(decision.events.map((e) => e.definition.name)).toEqual(['evaluation.review-submitted', 'evaluation.completed']);
    // r2: 28 + 21 + 4 + 7 = 60 → raw (100 + 60) / 2 = 80; modele mean (10 + 2) / 2 = 6 ≥ 3; spread 40 > 20 (2 000 bps).
    expect(decision.events[1]!.data).toMatchObject({ rawScore: 80, reviewCount: 2, eliminated: false, disagreement: true });
  });

  it('given a reviewer who already submitted, when they submit again, then it is refused (409): a submitted review is final', () => {
    const decision = submitReview(inReview([assignment('r1', 'submitted'), assignment('r2')]), call, { reviewerId: 'r1', scores: scores(1, 1, 1, 1) }, NOW);
    expect(decision).toMatchObject({ outcome: 'wrong-status', status: 'submitted' });
  });

  it('given an evaluation paused for a complement, when a reviewer submits, then it is refused (409)', () => {
    const decision = submitReview({ ...inReview([assignment('r1')]), stage: 'complement-requested' }, call, { reviewerId: 'r1', scores: scores(5, 5, 5, 5) }, NOW);
    expect(decision).toMatchObject({ outcome: 'wrong-status', status: 'complement-requested' });
  });

  it('given a recused reviewer, when they submit, then it is refused', () => {
    const decision = submitReview(inReview([assignment('r1', 'recused'), assignment('r2')]), call, { reviewerId: 'r1', scores: scores(5, 5, 5, 5) }, NOW);
    expect(decision).toMatchObject({ outcome: 'wrong-status', status: 'not-assigned' });
  });

  it('given a score out of bounds and a missing criterion, when submitted, then each is a violation naming its field', () => {
    const decision = submitReview(inReview([assignment('r1')]), call, { reviewerId: 'r1', scores: scores(11, 5, 5, 5).slice(0, 3) }, NOW);
    expect(decision.outcome === 'refused' && decision.violations.map((v) => [v.name, v.pointer])).toEqual([
      ['score-range', '/scores/0/score'],
      ['criterion-missing', '/scores'],
    ]);
  });
});

describe('completeIfReviewed', () => {
  it('given every assignment submitted but fewer reviewers than the call asks, then the evaluation stays in review', () => {
    const state = { ...inReview([assignment('r1', 'submitted'), assignment('r2', 'recused')]), reviews: [{ reviewerId: 'r1', scores: scores(5, 5, 5, 5), weightedScore: 50, submittedAt: NOW }] };
    const decision = completeIfReviewed(state, call, NOW);
    expect(decision).toMatchObject({ outcome: 'accepted', state: { stage: 'in-review' }, events: [] });
  });

  it('given the reviewers agree below a criterion threshold, when completed, then it is eliminated with the reason', () => {
    const reviews = ['r1', 'r2'].map((reviewerId) => ({ reviewerId, scores: scores(8, 8, 2, 8), weightedScore: 68, submittedAt: NOW }));
    const decision = completeIfReviewed({ ...inReview([assignment('r1', 'submitted'), assignment('r2', 'submitted')]), reviews }, call, NOW);
    expect(decision.outcome === 'accepted' && decision.events[0]!.data).toMatchObject({
      rawScore: 68,
      eliminated: true,
      eliminationReasons: ['criterion Modèle économique: mean score 2.00 is below its pass threshold 3 (out of 10)'],
      disagreement: false,
    });
  });
});

describe('toSheet', () => {
  const reviewed = () => {
    const state = inReview([assignment('r1'), assignment('r2')]);
    const first = submitReview(state, call, { reviewerId: 'r2', scores: scores(5, 5, 5, 5, 'Avis r2.') }, NOW);
    if (first.outcome !== 'accepted') throw new Error('refused');
    return first.state;
  };

  it('given a reviewer who has not submitted, when they read the sheet, then the other review shows as submitted without scores or comment', () => {
    const sheet = toSheet(reviewed(), call, { oversight: false, reviewerId: 'r1' });
    expect(sheet.blind).toBe(true);
    expect(sheet.reviews).toEqual([
      { reviewer: 'r1', self: true, state: 'assigned', dueAt: '2026-05-25T10:00:00.000Z' },
      { reviewer: 'other-1', self: false, state: 'submitted', submittedAt: NOW.toISOString() },
    ]);
    expect(sheet.consolidation).toBeUndefined();
  });

  it('given an oversight role, when it reads the sheet, then it sees every reviewer by name and the consolidation so far', () => {
    const state = reviewed();
    const sheet = toSheet(state, call, { oversight: true, normalisation: normalisation(state.reviews) });
    expect(sheet.reviews.map((r) => [r.reviewer, r.name, r.weightedScore, r.normalisedScore])).toEqual([
      ['r1', 'Expert r1', undefined, undefined],
      ['r2', 'Expert r2', 50, 50],
    ]);
    expect(sheet.consolidation).toMatchObject({ complete: false, reviewCount: 1, rawScore: 50, normalisedScore: 50, rankBy: 'normalised' });
  });
});
