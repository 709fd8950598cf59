import { describe, expect, it } from 'vitest';
import { EvaluationCompleted, EvaluationReviewSubmitted, type CallSnapshot } from '@aap/contracts';
import { decider } from '@aap/test-harness/decider-spec';
import { openEvaluation, type Assignment, type EvaluationState } from '../evaluations/evaluation';
import { acceptedState, testCall, testDossier } from '../testing/fixtures';
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
  const spec = decider(submitReview);

  it('given an assigned reviewer, when they score every criterion, then the review is recorded with its weighted score and evaluation.review-submitted carries no comment', () => {
    const { decision } = spec
      .given(inReview([assignment('r1'), assignment('r2')]))
      .when(call, { reviewerId: 'r1', scores: scores(8, 6, 4, 2, '  Solide.  ') }, NOW)
      .then(EvaluationReviewSubmitted)
      // 8·4 + 6·3 + 4·2 + 2 = 60
      .thenState({ stage: 'in-review', reviews: [{ reviewerId: 'r1', weightedScore: 60, submittedAt: NOW, scores: scores(8, 6, 4, 2, 'Solide.') }] });
    expect(acceptedState(decision).assignments.map((a) => a.state)).toEqual(['submitted', 'assigned']);
    expect(decision.outcome === 'accepted' && JSON.stringify(decision.events[0]!.data)).not.toContain('Solide');
  });

  it('given the other reviewer already submitted, when the last one submits, then the evaluation is evaluated in the same decision with evaluation.completed', () => {
    const first = acceptedState(submitReview(inReview([assignment('r1'), assignment('r2')]), call, { reviewerId: 'r1', scores: scores(10, 10, 10, 10) }, NOW));
    spec
      .given(first)
      .when(call, { reviewerId: 'r2', scores: scores(7, 7, 2, 7) }, NOW)
      // r2: 28 + 21 + 4 + 7 = 60 → raw (100 + 60) / 2 = 80; modele mean (10 + 2) / 2 = 6 ≥ 3; spread 40 > 20 (2 000 bps).
      .then(EvaluationReviewSubmitted, { definition: EvaluationCompleted, data: { rawScore: 80, reviewCount: 2, eliminated: false, disagreement: true } })
      .thenState({ stage: 'evaluated', completedAt: NOW });
  });

  it('given a reviewer who already submitted, when they submit again, then it is refused (409): a submitted review is final', () => {
    spec.given(inReview([assignment('r1', 'submitted'), assignment('r2')])).when(call, { reviewerId: 'r1', scores: scores(1, 1, 1, 1) }, NOW).thenWrongStatus('submitted');
  });

  it('given an evaluation paused for a complement, when a reviewer submits, then it is refused (409)', () => {
    spec.given({ ...inReview([assignment('r1')]), stage: 'complement-requested' }).when(call, { reviewerId: 'r1', scores: scores(5, 5, 5, 5) }, NOW).thenWrongStatus('complement-requested');
  });

  it('given a recused reviewer, when they submit, then it is refused', () => {
    spec.given(inReview([assignment('r1', 'recused'), assignment('r2')])).when(call, { reviewerId: 'r1', scores: scores(5, 5, 5, 5) }, NOW).thenWrongStatus('not-assigned');
  });

  it('given a score out of bounds and a missing criterion, when submitted, then each is a violation naming its field', () => {
    const { decision } = spec.given(inReview([assignment('r1')])).when(call, { reviewerId: 'r1', scores: scores(11, 5, 5, 5).slice(0, 3) }, NOW).thenRefused('score-range', 'criterion-missing');
    expect(decision.outcome === 'refused' && decision.violations.map((v) => [v.name, v.pointer])).toEqual([
      ['score-range', '/scores/0/score'],
      ['criterion-missing', '/scores'],
    ]);
  });
});

describe('completeIfReviewed', () => {
  const spec = decider(completeIfReviewed);

  it('given every assignment submitted but fewer reviewers than the call asks, when checked, then nothing happens: the evaluation stays in review', () => {
    const state = { ...inReview([assignment('r1', 'submitted'), assignment('r2', 'recused')]), reviews: [{ reviewerId: 'r1', scores: scores(5, 5, 5, 5), weightedScore: 50, submittedAt: NOW }] };
    spec.given(state).when(call, NOW).thenNothingHappens();
  });

  it('given the reviewers agree below a criterion threshold, when completed, then it is eliminated with the reason', () => {
    const reviews = ['r1', 'r2'].map((reviewerId) => ({ reviewerId, scores: scores(8, 8, 2, 8), weightedScore: 68, submittedAt: NOW }));
    spec
      .given({ ...inReview([assignment('r1', 'submitted'), assignment('r2', 'submitted')]), reviews })
      .when(call, NOW)
      .then({
        definition: EvaluationCompleted,
        data: { rawScore: 68, eliminated: true, eliminationReasons: ['criterion Modèle économique: mean score 2.00 is below its pass threshold 3 (out of 10)'], disagreement: false },
      });
  });
});

describe('toSheet', () => {
  const reviewed = () => {
    const state = inReview([assignment('r1'), assignment('r2')]);
    return acceptedState(submitReview(state, call, { reviewerId: 'r2', scores: scores(5, 5, 5, 5, 'Avis r2.') }, NOW));
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
