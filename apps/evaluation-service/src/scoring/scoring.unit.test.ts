import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rank } from './ranking';
import {
  consolidate,
  normalisation,
  normalisedScore,
  reviewViolations,
  tendencyOf,
  weightedScore,
  type ScoredReview,
  type ScoreInput,
  type ScoringGrid,
} from './scoring';

/** Two criteria: 100 × (2·A + 1·B) / (2·10 + 1·5) = 4 × (2A + B), so every weighted score is a multiple of 4. */
const GRID: ScoringGrid = {
  criteria: [
    { criterionId: 'impact', label: 'Impact', weight: 2, maxScore: 10 },
    { criterionId: 'faisabilite', label: 'Faisabilité', weight: 1, maxScore: 5 },
  ],
};
const SETTINGS = { disagreementShareBps: 2_500, rankBy: 'normalised' as const };

const input = (criterionId: string, score: number, comment = 'Argumenté.'): ScoreInput => ({ criterionId, score, comment });
const validScores = () => [input('impact', 7), input('faisabilite', 2)];

/** A review whose weighted score is `points` (a multiple of 4): A = min(10, ⌊u/2⌋), B = u − 2A with u = points / 4. */
function reviewOf(reviewerId: string, points: number): ScoredReview {
  const units = points / 4;
  const impact = Math.min(10, Math.floor(units / 2));
  const scores = [
    { criterionId: 'impact', score: impact },
    { criterionId: 'faisabilite', score: units - 2 * impact },
  ];
  return { reviewerId, weightedScore: weightedScore(GRID, scores), scores };
}

describe('reviewViolations', () => {
  it('given every criterion scored once within bounds with a comment, when checked, then there is no violation', () => {
    expect(reviewViolations(GRID, validScores())).toEqual([]);
  });

  it('given a score above the maximum and a fractional one, when checked, then each is named by its pointer', () => {
    const violations = reviewViolations(GRID, [input('impact', 11), input('faisabilite', 2.5)]);
    expect(violations).toEqual([
      expect.objectContaining({ name: 'score-range', pointer: '/scores/0/score' }),
      expect.objectContaining({ name: 'score-range', pointer: '/scores/1/score' }),
    ]);
  });

  it('given a negative score, when checked, then it is out of range', () => {
    expect(reviewViolations(GRID, [input('impact', -1), input('faisabilite', 0)])).toEqual([expect.objectContaining({ name: 'score-range', pointer: '/scores/0/score' })]);
  });

  it('given a missing criterion, an unknown one and one scored twice, when checked, then one violation per broken rule', () => {
    const violations = reviewViolations(GRID, [input('impact', 5), input('innovation', 3), input('impact', 6)]);
    expect(violations.map((v) => [v.name, v.pointer])).toEqual([
      ['criterion-unknown', '/scores/1/criterionId'],
      ['criterion-scored-twice', '/scores/2/criterionId'],
      ['criterion-missing', '/scores'],
    ]);
    expect(violations[2]!.detail).toContain('faisabilite');
  });

  it('given a blank comment and one of 2001 characters, when checked, then both comments are refused', () => {
    const violations = reviewViolations(GRID, [input('impact', 5, '   '), input('faisabilite', 3, 'x'.repeat(2001))]);
    expect(violations.map((v) => [v.name, v.pointer])).toEqual([
      ['comment-required', '/scores/0/comment'],
      ['comment-too-long', '/scores/1/comment'],
    ]);
  });

  it('given a comment of exactly 2000 characters, when checked, then it is accepted', () => {
    expect(reviewViolations(GRID, [input('impact', 5, 'x'.repeat(2000)), input('faisabilite', 3)])).toEqual([]);
  });
});

describe('weightedScore', () => {
  it('given A = 7 and B = 2, when weighted, then 100 × (2·7 + 1·2) / (2·10 + 1·5) = 64', () => {
    expect(weightedScore(GRID, validScores())).toBe(64);
  });

  it('given any valid scores, when weighted, then the score stays within 0–100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 5 }), (a, b) => {
        const score = weightedScore(GRID, [input('impact', a), input('faisabilite', b)]);
        return score >= 0 && score <= 100;
      }),
    );
  });
});

describe('consolidate', () => {
  it('given three reviews, when consolidated, then the raw score is the mean and the criterion means are per criterion', () => {
    const result = consolidate(GRID, [reviewOf('r1', 64), reviewOf('r2', 56), reviewOf('r3', 60)], SETTINGS);
    // 64 = (8, 0), 56 = (7, 0), 60 = (7, 1): impact mean 22/3, faisabilité mean 1/3.
    expect(result.rawScore).toBe(60);
    expect(result.criterionMeans.impact).toBeCloseTo(22 / 3, 12);
    expect(result.criterionMeans.faisabilite).toBeCloseTo(1 / 3, 12);
    expect(result).toMatchObject({ eliminated: false, eliminationReasons: [], spread: 8, disagreement: false });
  });

  it('given reviews 25 points apart and a 25 % share, when consolidated, then they do not disagree (strictly beyond the share)', () => {
    expect(consolidate(GRID, [reviewOf('r1', 40), reviewOf('r2', 64)], SETTINGS)).toMatchObject({ spread: 24, disagreement: false });
    expect(consolidate(GRID, [reviewOf('r1', 40), reviewOf('r2', 68)], SETTINGS)).toMatchObject({ spread: 28, disagreement: true });
  });

  it('given a criterion whose mean is below its pass threshold, when consolidated, then the dossier is eliminated with the reason', () => {
    const grid: ScoringGrid = { criteria: [{ ...GRID.criteria[0]!, passThreshold: 6 }, GRID.criteria[1]!] };
    // impact scores 7 and 4: mean 5.5 < 6.
    const reviews = [reviewOf('r1', 60), reviewOf('r2', 32)];
    const result = consolidate(grid, reviews, SETTINGS);
    expect(result.criterionMeans.impact).toBe(5.5);
    expect(result.eliminated).toBe(true);
    expect(result.eliminationReasons).toEqual(['criterion Impact: mean score 5.50 is below its pass threshold 6 (out of 10)']);
  });

  it('given a criterion mean exactly at its threshold, when consolidated, then the dossier is not eliminated', () => {
    const grid: ScoringGrid = { criteria: [{ ...GRID.criteria[0]!, passThreshold: 7 }, GRID.criteria[1]!] };
    expect(consolidate(grid, [reviewOf('r1', 60), reviewOf('r2', 56)], SETTINGS).eliminated).toBe(false);
  });

  it('given no review, when consolidated, then it throws (only completed evaluations are consolidated)', () => {
    expect(() => consolidate(GRID, [], SETTINGS)).toThrow(/without a submitted review/);
  });
});

/*
 * WORKED EXAMPLE — a call of 7 dossiers, 14 reviews, 4 reviewers (weighted scores on 0–100).
 *
 *   Léa (lenient, 4 reviews):  64 (D1), 56 (D2), 64 (D3), 56 (D4)   μ = 60, σ = √((16+16+16+16)/4) = 4
 *   Hugo (harsh, 4 reviews):   36 (D1), 20 (D2), 36 (D5), 20 (D6)   μ = 28, σ = √((64+64+64+64)/4) = 8
 *   Nina (neutral, 4 reviews): 36 (D3), 60 (D5), 36 (D6), 60 (D7)   μ = 48, σ = √((144·4)/4)       = 12
 *   Sam (2 reviews only):      64 (D4), 64 (D7)                      μ = 64, σ = 0 → not normalised
 *
 * Call: Σ = 240 + 112 + 192 + 128 = 672 over 14 reviews → μ_call = 48.
 *   Squared deviations from 48: Léa 64+64+256+256 = 640; Hugo 784+784+144+144 = 1856;
 *   Nina 4×144 = 576; Sam 256+256 = 512. Σ = 3584; σ_call = √(3584/14) = √256 = 16.
 *
 * Normalised review = clamp(48 + z·16, 0, 100), z = (s − μ_r)/σ_r:
 *   Léa 64 → z = +1 → 64;  Léa 56 → z = −1 → 32
 *   Hugo 36 → z = +1 → 64; Hugo 20 → z = −1 → 32
 *   Nina 60 → z = +1 → 64; Nina 36 → z = −1 → 32
 *   Sam 64 → 64 (raw: fewer than 3 reviews)
 *
 * Dossier   reviews            raw               normalised
 *   D1      Léa 64, Hugo 36    (64+36)/2 = 50    (64+64)/2 = 64
 *   D2      Léa 56, Hugo 20    (56+20)/2 = 38    (32+32)/2 = 32
 *   D3      Léa 64, Nina 36    (64+36)/2 = 50    (64+32)/2 = 48
 *   D4      Léa 56, Sam 64     (56+64)/2 = 60    (32+64)/2 = 48
 *   D5      Hugo 36, Nina 60   (36+60)/2 = 48    (64+64)/2 = 64
 *   D6      Hugo 20, Nina 36   (20+36)/2 = 28    (32+32)/2 = 32
 *   D7      Nina 60, Sam 64    (60+64)/2 = 62    (64+64)/2 = 64
 *
 * Ranked by normalised (ties: raw desc): D7 (64, raw 62), D1 (64, 50), D5 (64, 48), D4 (48, 60),
 * D3 (48, 50), D2 (32, 38), D6 (32, 28). By raw: D7 62, D4 60, D1 50 and D3 50 (tie: normalised
 * 64 > 48), D5 48, D2 38, D6 28. D5 — Hugo's best mark, from the harshest reviewer — climbs from
 * 5th raw to 3rd normalised; D4, carried by Léa's low mark (for her) and Sam's uncorrected one, drops.
 *
 * Tendency (offset = μ_r − 48, threshold ½·σ_call = 8): Léa +12 → lenient; Hugo −20 → harsh;
 * Nina 0 → neutral; Sam +16 but only 2 reviews → neutral (too few to tell, and not corrected).
 */
describe('normalisation — the worked example', () => {
  const reviews: Record<string, ScoredReview[]> = {
    D1: [reviewOf('lea', 64), reviewOf('hugo', 36)],
    D2: [reviewOf('lea', 56), reviewOf('hugo', 20)],
    D3: [reviewOf('lea', 64), reviewOf('nina', 36)],
    D4: [reviewOf('lea', 56), reviewOf('sam', 64)],
    D5: [reviewOf('hugo', 36), reviewOf('nina', 60)],
    D6: [reviewOf('hugo', 20), reviewOf('nina', 36)],
    D7: [reviewOf('nina', 60), reviewOf('sam', 64)],
  };
  const norm = normalisation(Object.values(reviews).flat());

  it('given the call, when normalised, then μ_call = 48 and σ_call = 16', () => {
    expect(norm.reviewCount).toBe(14);
    expect(norm.callMean).toBe(48);
    expect(norm.callStdDev).toBe(16);
  });

  it('given each review, when normalised, then it is 48 ± 16 for the three normalised reviewers and raw for Sam', () => {
    expect(norm.normalise('lea', 64)).toBeCloseTo(64, 12);
    expect(norm.normalise('lea', 56)).toBeCloseTo(32, 12);
    expect(norm.normalise('hugo', 36)).toBeCloseTo(64, 12);
    expect(norm.normalise('hugo', 20)).toBeCloseTo(32, 12);
    expect(norm.normalise('nina', 60)).toBeCloseTo(64, 12);
    expect(norm.normalise('nina', 36)).toBeCloseTo(32, 12);
    expect(norm.normalise('sam', 64)).toBe(64);
  });

  it('given the dossiers, when consolidated and normalised, then raw and normalised scores are those of the table', () => {
    const table = Object.fromEntries(
      Object.entries(reviews).map(([id, rs]) => [id, [consolidate(GRID, rs, SETTINGS).rawScore, Math.round(normalisedScore(norm, rs) * 1e9) / 1e9]]),
    );
    expect(table).toEqual({ D1: [50, 64], D2: [38, 32], D3: [50, 48], D4: [60, 48], D5: [48, 64], D6: [28, 32], D7: [62, 64] });
  });

  it('given the call ranked by normalised then by raw, when ranked, then the orders are those worked out by hand', () => {
    const entries = Object.entries(reviews).map(([dossierId, rs], i) => ({
      dossierId,
      number: `AAP-2026-00000${i + 1}`,
      submittedAt: `2026-03-0${i + 1}T10:00:00Z`,
      reviews: rs,
    }));
    const order = (rankBy: 'normalised' | 'raw') => rank(entries, { ...SETTINGS, rankBy }, GRID).ranked.map((row) => row.entry.dossierId);
    expect(order('normalised')).toEqual(['D7', 'D1', 'D5', 'D4', 'D3', 'D2', 'D6']);
    expect(order('raw')).toEqual(['D7', 'D4', 'D1', 'D3', 'D5', 'D2', 'D6']);
  });

  it('given the reviewers, when their statistics are read, then Léa is lenient, Hugo harsh, Nina and Sam neutral', () => {
    expect(norm.reviewers().map(({ reviewerId, reviewCount, mean, stdDev, offset, tendency, normalised }) => [reviewerId, reviewCount, mean, stdDev, offset, tendency, normalised])).toEqual([
      ['hugo', 4, 28, 8, -20, 'harsh', true],
      ['lea', 4, 60, 4, 12, 'lenient', true],
      ['nina', 4, 48, 12, 0, 'neutral', true],
      ['sam', 2, 64, 0, 16, 'neutral', false],
    ]);
  });
});

describe('normalisation — edges', () => {
  it('given a reviewer with 3 identical reviews (σ_r = 0), when normalised, then their raw scores count', () => {
    const norm = normalisation([...[40, 40, 40].map((s) => ({ reviewerId: 'flat', weightedScore: s })), { reviewerId: 'other', weightedScore: 80 }]);
    expect(norm.normalise('flat', 40)).toBe(40);
    expect(norm.reviewers().find((r) => r.reviewerId === 'flat')!.normalised).toBe(false);
  });

  it('given a reviewer whose z-score lands beyond the grid, when normalised, then it is clamped to 0–100', () => {
    // Reviewer x: 0, 0, 0, 100 → μ = 25, σ = √((3·625 + 5625)/4) = √1875 ≈ 43.30; y: six 100s (σ = 0, raw).
    // Call: μ = 700/10 = 70, σ = √((3·4900 + 900 + 6·900)/10) = √2100 ≈ 45.83.
    const norm = normalisation([
      ...[0, 0, 0, 100].map((s) => ({ reviewerId: 'x', weightedScore: s })),
      ...[100, 100, 100, 100, 100, 100].map((s) => ({ reviewerId: 'y', weightedScore: s })),
    ]);
    // x's 100: z = 75/√1875 = √3 → 70 + √3·√2100 ≈ 149.4 → clamped to 100.
    expect(norm.normalise('x', 100)).toBe(100);
    // x's 0: z = −25/√1875 = −1/√3 → 70 − √700 ≈ 43.54 (inside the grid).
    expect(norm.normalise('x', 0)).toBeCloseTo(70 - Math.sqrt(700), 9);
  });

  it('given an unknown reviewer, when normalised, then the raw score is kept', () => {
    expect(normalisation([]).normalise('nobody', 55)).toBe(55);
  });

  it('given the label rule, when applied at the boundary of half a standard deviation, then exactly half is still neutral', () => {
    expect(tendencyOf(3, 8, 16)).toBe('neutral');
    expect(tendencyOf(3, 8.0001, 16)).toBe('lenient');
    expect(tendencyOf(3, -8.0001, 16)).toBe('harsh');
    expect(tendencyOf(2, 40, 16)).toBe('neutral');
    expect(tendencyOf(5, 40, 0)).toBe('neutral');
  });

  it('given any reviews, when normalised, then every normalised score stays within 0–100', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ reviewerId: fc.constantFrom('a', 'b', 'c'), weightedScore: fc.double({ min: 0, max: 100, noNaN: true }) }), { maxLength: 30 }), (rs) => {
        const norm = normalisation(rs);
        return rs.every((r) => {
          const n = norm.normalise(r.reviewerId, r.weightedScore);
          return n >= 0 && n <= 100;
        });
      }),
    );
  });
});
