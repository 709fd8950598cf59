import { describe, expect, it } from 'vitest';
import { openEvaluation, type EvaluationState, type Review } from '../evaluations/evaluation';
import { normalisation as normalisationOver } from '../scoring/scoring';
import { testCall, testDossier } from '../testing/fixtures';
import { scoreEntryOf } from './scoreboard';
import { rankingOf, reserveRankOf, withCurrent } from './standings';

const NOW = new Date('2026-06-01T10:00:00Z');
const call = testCall();

/** An evaluated dossier whose three reviews all give `score` on every criterion of the test grid (0–10). */
function evaluated(score: number, overrides: Partial<EvaluationState> = {}): EvaluationState {
  const reviews: Review[] = ['r1', 'r2', 'r3'].map((reviewerId) => ({
    reviewerId,
    scores: call.scoringGrid.criteria.map((c) => ({ criterionId: c.criterionId, score, comment: 'ok' })),
    weightedScore: score * 10,
    submittedAt: NOW,
  }));
  return { ...openEvaluation(testDossier(call), NOW), stage: 'evaluated', dossierStatus: 'under-review', reviews, ...overrides };
}
const waitlisted = (score: number) =>
  evaluated(score, { stage: 'decided', dossierStatus: 'waitlisted', decision: { kind: 'waitlisted', rank: 1, motivation: 'Réserve', decidedBy: 'c', decidedAt: NOW } });

describe('reserve rank (given a wave, when a dossier is waitlisted, then its place on the reserve list …)', () => {
  const below = waitlisted(5);
  const above = waitlisted(9);
  const current = evaluated(7);
  const normalisation = normalisationOver([below, above, current].flatMap((s) => s.reviews));

  it('comes after the waitlisted dossiers ranked above it only', () => {
    const entries = [below, above, current].map(scoreEntryOf);
    expect(reserveRankOf(rankingOf(call, entries, normalisation), current.dossierId)).toBe(2);
  });

  it('is right also when the scoreboard does not show the dossier yet (it follows events a hop later)', () => {
    const lagging = [below, above].map(scoreEntryOf);
    expect(reserveRankOf(rankingOf(call, lagging, normalisation), current.dossierId)).toBe(3); // what the lag alone gives: wrong
    expect(reserveRankOf(rankingOf(call, withCurrent(lagging, current), normalisation), current.dossierId)).toBe(2);
  });
});
