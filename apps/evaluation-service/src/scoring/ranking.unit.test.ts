import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalisation, type ScoredReview, type ScoringGrid } from './scoring';
import { compareRows, grantCap, propose, rank, type ProposalCandidate, type RankingEntry } from './ranking';
import { applyBps } from '@aap/contracts';

/** One criterion out of 100, weight 1: a review's weighted score is its score. */
const GRID: ScoringGrid = { criteria: [{ criterionId: 'qualite', label: 'Qualité', weight: 1, maxScore: 100 }] };
const SETTINGS = { rankBy: 'raw' as const, disagreementShareBps: 2_500 };

const review = (reviewerId: string, score: number): ScoredReview => ({ reviewerId, weightedScore: score, scores: [{ criterionId: 'qualite', score }] });
const entry = (n: number, scores: number[], submittedAt = '2026-03-10T10:00:00Z'): RankingEntry => ({
  dossierId: `d${n}`,
  number: `AAP-2026-${String(n).padStart(6, '0')}`,
  submittedAt,
  reviews: scores.map((s, i) => review(`r${i}`, s)),
});
const ids = (rows: { entry: RankingEntry }[]) => rows.map((row) => row.entry.dossierId);

describe('rank', () => {
  it('given dossiers with different raw scores, when ranked by raw, then the highest comes first and ranks are 1-based', () => {
    const ranking = rank([entry(1, [40, 50]), entry(2, [80, 90]), entry(3, [60, 70])], SETTINGS, GRID);
    expect(ids(ranking.ranked)).toEqual(['d2', 'd3', 'd1']);
    expect(ranking.ranked.map((row) => [row.rank, row.rawScore])).toEqual([
      [1, 85],
      [2, 65],
      [3, 45],
    ]);
    expect(ranking.tieBreak).toBe('raw score descending; on a tie the normalised score descending, then the earlier receipt (submittedAt), then the dossier number ascending');
  });

  it('given equal scores, when ranked, then the earlier receipt wins, then the lower number — receipt instants compared, not strings', () => {
    const ranking = rank(
      [entry(3, [70], '2026-03-10T10:00:00Z'), entry(2, [70], '2026-03-10T12:30:00+02:00'), entry(1, [70], '2026-03-10T10:00:00Z')],
      SETTINGS,
      GRID,
    );
    // 12:30+02:00 is 10:30Z: later than the two at 10:00Z, which tie on time and go by number.
    expect(ids(ranking.ranked)).toEqual(['d1', 'd3', 'd2']);
  });

  it('given a grid pass threshold, when ranked, then a dossier below it is listed after the ranked ones with its reason', () => {
    const ranking = rank([entry(1, [40]), entry(2, [60]), entry(3, [49.99])], SETTINGS, { ...GRID, passThreshold: 50 });
    expect(ids(ranking.ranked)).toEqual(['d2']);
    expect(ids(ranking.eliminated)).toEqual(['d3', 'd1']);
    expect(ranking.eliminated.map((row) => row.rank)).toEqual([null, null]);
    expect(ranking.eliminated[0]!.eliminationReasons).toEqual(["raw score 49.99 is below the call's pass threshold 50"]);
  });

  it('given a criterion threshold, when ranked, then the dossier under it is eliminated whatever its total', () => {
    const grid: ScoringGrid = {
      criteria: [
        { criterionId: 'qualite', weight: 1, maxScore: 100 },
        { criterionId: 'budget', label: 'Budget', weight: 1, maxScore: 10, passThreshold: 5 },
      ],
    };
    const withBudget = (n: number, quality: number, budget: number): RankingEntry => ({
      ...entry(n, []),
      reviews: [{ reviewerId: 'r', weightedScore: (100 * (quality + budget)) / 110, scores: [{ criterionId: 'qualite', score: quality }, { criterionId: 'budget', score: budget }] }],
    });
    const ranking = rank([withBudget(1, 100, 4), withBudget(2, 50, 5)], SETTINGS, grid);
    expect(ids(ranking.ranked)).toEqual(['d2']);
    expect(ranking.eliminated[0]!.eliminationReasons).toEqual(['criterion Budget: mean score 4.00 is below its pass threshold 5 (out of 10)']);
  });

  it('given the call-wide normalisation passed in, when one wave is ranked, then the reviews of the other waves count', () => {
    // Wave 1: h gave 20 and 30, o gave 80 and 90. Wave 2: one dossier, h gave 40.
    // Call-wide: h has 3 reviews, μ_h = 30, σ_h = √(200/3); μ_call = 260/5 = 52,
    // σ_call = √((1024 + 484 + 144 + 784 + 1444)/5) = √776; z = 10/√(200/3) = √1.5 → 52 + √1.5·√776 ≈ 86.12.
    const wave2: RankingEntry[] = [{ ...entry(9, []), reviews: [review('h', 40)] }];
    const norm = normalisation([review('h', 20), review('h', 30), review('o', 80), review('o', 90), ...wave2[0]!.reviews]);
    const ranking = rank(wave2, { ...SETTINGS, rankBy: 'normalised' }, GRID, { normalisation: norm });
    expect(ranking.ranked[0]!.normalisedScore).toBeCloseTo(52 + Math.sqrt(1.5 * 776), 9);
    expect(ranking.normalisation).toBe(norm);
    // Without it, wave 2 alone gives h a single review: not normalised, the raw 40.
    expect(rank(wave2, { ...SETTINGS, rankBy: 'normalised' }, GRID).ranked[0]!.normalisedScore).toBe(40);
  });
});

const arbitraryEntries = fc
  .uniqueArray(
    fc.record({
      n: fc.integer({ min: 1, max: 999_999 }),
      // Sevenths of 100: fractional weighted scores, whose sums depend on their order in the last bits.
      scores: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 3 }),
      reviewers: fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 3, maxLength: 3 }),
      day: fc.integer({ min: 1, max: 3 }),
    }),
    { selector: (e) => e.n, maxLength: 40 },
  )
  .map((rows) =>
    rows.map(({ n, scores, reviewers, day }) => ({
      dossierId: `d${n}`,
      number: `AAP-2026-${String(n).padStart(6, '0')}`,
      submittedAt: `2026-03-0${day}T10:00:00Z`,
      reviews: scores.map((s, i) => ({ reviewerId: reviewers[i]!, weightedScore: (100 * s) / 7, scores: [{ criterionId: 'qualite', score: s }] })),
    })),
  );

describe('rank — properties', () => {
  const settings = fc.constantFrom('raw' as const, 'normalised' as const);
  const threshold = fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined });

  it('given any dossiers in any order, when ranked, then the ranking is the same (permutation-invariant)', () => {
    fc.assert(
      fc.property(arbitraryEntries.chain((es) => fc.tuple(fc.constant(es), fc.shuffledSubarray(es, { minLength: es.length, maxLength: es.length }))), settings, threshold, ([es, shuffled], rankBy, passThreshold) => {
        const a = rank(es, { ...SETTINGS, rankBy }, { ...GRID, passThreshold });
        const b = rank(shuffled, { ...SETTINGS, rankBy }, { ...GRID, passThreshold });
        expect(ids(b.ranked)).toEqual(ids(a.ranked));
        expect(ids(b.eliminated)).toEqual(ids(a.eliminated));
      }),
    );
  });

  it('given any dossiers, when ranked, then the order is total and strict: each row comes strictly before the next', () => {
    fc.assert(
      fc.property(arbitraryEntries, settings, (es, rankBy) => {
        const { ranked } = rank(es, { ...SETTINGS, rankBy }, GRID);
        for (let i = 1; i < ranked.length; i += 1) {
          expect(compareRows(ranked[i - 1]!, ranked[i]!)).toBeLessThan(0);
          expect(compareRows(ranked[i]!, ranked[i - 1]!)).toBeGreaterThan(0);
          expect(ranked[i - 1]!.rankingKey).toBeGreaterThanOrEqual(ranked[i]!.rankingKey);
        }
        expect(ranked.map((row) => row.rank)).toEqual(ranked.map((_, i) => i + 1));
      }),
    );
  });

  it('given any dossiers and threshold, when ranked, then an eliminated dossier is never ranked and every dossier is in exactly one list', () => {
    fc.assert(
      fc.property(arbitraryEntries, settings, threshold, (es, rankBy, passThreshold) => {
        const { ranked, eliminated } = rank(es, { ...SETTINGS, rankBy }, { ...GRID, passThreshold });
        expect(ranked.every((row) => !row.eliminated && (passThreshold === undefined || row.rankingKey >= passThreshold * 1e9))).toBe(true);
        expect(eliminated.every((row) => row.eliminated && row.eliminationReasons.length > 0 && row.rank === null)).toBe(true);
        expect(new Set([...ids(ranked), ...ids(eliminated)]).size).toBe(es.length);
        expect(ranked.length + eliminated.length).toBe(es.length);
      }),
    );
  });
});

describe('grantCap', () => {
  const cofinancing = { maxStateRateBps: 8_000, minGrantCents: 500_000, maxGrantCents: 5_000_000 };

  it('given a request under every limit, when capped, then the cap is the request', () => {
    expect(grantCap(cofinancing, { requestedGrantCents: 1_000_000, eligibleCostCents: 2_000_000 })).toEqual({ capCents: 1_000_000, rateCapCents: 1_600_000, fundable: true });
  });

  it('given a rate product with a fraction of a cent, when capped, then it is floored', () => {
    // 80 % of 1 000 001 = 800 000.8 → 800 000.
    expect(grantCap(cofinancing, { requestedGrantCents: 4_000_000, eligibleCostCents: 1_000_001 })).toMatchObject({ capCents: 800_000, fundable: true });
  });

  it('given a large request, when capped, then the call maximum caps it', () => {
    expect(grantCap(cofinancing, { requestedGrantCents: 9_000_000, eligibleCostCents: 20_000_000 }).capCents).toBe(5_000_000);
  });

  it('given a cap below the call minimum, when capped, then it is not fundable and says why', () => {
    const cap = grantCap(cofinancing, { requestedGrantCents: 400_000, eligibleCostCents: 2_000_000 });
    expect(cap).toMatchObject({ capCents: 400_000, fundable: false });
    expect(cap.reason).toContain("below the call's minimum grant (500000 cents)");
  });

  it('given amounts beyond 2^53 once multiplied, when the rate applies, then the floor is still exact', () => {
    expect(applyBps(9_007_199_254_740_991, 3_333)).toBe(Number((9_007_199_254_740_991n * 3_333n) / 10_000n));
  });

  it('given any budget, when capped, then the cap is an integer no higher than the request, the rate cap and the maximum', () => {
    fc.assert(
      fc.property(fc.nat(10 ** 12), fc.nat(10 ** 12), fc.integer({ min: 0, max: 10_000 }), (requested, eligible, bps) => {
        const cap = grantCap({ ...cofinancing, maxStateRateBps: bps }, { requestedGrantCents: requested, eligibleCostCents: eligible });
        return Number.isInteger(cap.capCents) && cap.capCents <= requested && cap.capCents * 10_000 <= eligible * bps && cap.capCents <= cofinancing.maxGrantCents;
      }),
    );
  });
});

describe('propose', () => {
  const row = (capCents: number, extra: Partial<ProposalCandidate> = {}): ProposalCandidate => ({ capCents, fundable: true, ...extra });

  it('given an envelope, when proposed, then dossiers are approved in order until one does not fit, and the rest is waitlisted', () => {
    const proposal = propose([row(400), row(300), row(400), row(100)], { envelopeCents: 1_000, committedCents: 0 });
    expect(proposal.rows.map((r) => [r.proposal, r.proposedGrantCents, r.remainingCents])).toEqual([
      ['approve', 400, 600],
      ['approve', 300, 300],
      ['waitlist', 0, 300],
      // Fits, but the funded part ended at the first that did not: the reserve list is in rank order.
      ['waitlist', 0, 300],
    ]);
    expect(proposal).toMatchObject({ proposedCents: 700, remainingCents: 300 });
  });

  it('given money already committed on the call, when proposed, then only the remainder is proposed', () => {
    expect(propose([row(400), row(300)], { envelopeCents: 1_000, committedCents: 500 }).rows.map((r) => r.proposal)).toEqual(['approve', 'waitlist']);
  });

  it("given the wave's maximum of winners, when proposed, then the next ones are waitlisted", () => {
    expect(propose([row(1), row(1), row(1)], { envelopeCents: 1_000, committedCents: 0, maxWinners: 2 }).rows.map((r) => r.proposal)).toEqual(['approve', 'approve', 'waitlist']);
  });

  it('given a dossier whose cap is below the minimum, when proposed, then it is proposed for rejection with its reason and the walk goes on', () => {
    const proposal = propose([row(100, { fundable: false, reason: 'below minimum' }), row(200)], { envelopeCents: 1_000, committedCents: 0 });
    expect(proposal.rows.map((r) => [r.proposal, r.reason])).toEqual([
      ['reject', 'below minimum'],
      ['approve', undefined],
    ]);
  });

  it('given an already approved dossier holding money, when proposed, then it stays approved and is not subtracted twice', () => {
    const proposal = propose([row(300, { heldCents: 300 }), row(600), row(200)], { envelopeCents: 1_000, committedCents: 300, maxWinners: 2 });
    expect(proposal.rows.map((r) => [r.proposal, r.proposedGrantCents, r.remainingCents])).toEqual([
      ['approve', 300, 700],
      ['approve', 600, 100],
      ['waitlist', 0, 100],
    ]);
  });

  it('given any ranking and envelope, when proposed, then the approvals never exceed what remains of the envelope', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ capCents: fc.nat(1_000_000), fundable: fc.boolean() }), { maxLength: 50 }),
        fc.nat(5_000_000),
        fc.nat(5_000_000),
        fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
        (rows, envelopeCents, committedCents, maxWinners) => {
          const proposal = propose(rows, { envelopeCents, committedCents, maxWinners });
          const approved = proposal.rows.filter((r) => r.proposal === 'approve');
          const sum = approved.reduce((total, r) => total + r.proposedGrantCents, 0);
          expect(sum).toBe(proposal.proposedCents);
          expect(sum).toBeLessThanOrEqual(Math.max(0, envelopeCents - committedCents));
          expect(proposal.rows.every((r) => r.remainingCents >= 0)).toBe(true);
          if (maxWinners !== undefined) expect(approved.length).toBeLessThanOrEqual(maxWinners);
          expect(approved.every((r) => r.row.fundable)).toBe(true);
        },
      ),
    );
  });
});
