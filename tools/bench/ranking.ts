/**
 * The `ranking` figure (issue 9): the committee's ranking of one call of 100 000 dossiers with 3
 * reviews each, normalisation included (`rank` of apps/evaluation-service), beside a bare baseline:
 * Array.prototype.sort of the same dossiers' precomputed raw means. Pure CPU in this process: no
 * Kafka, no database, no service (the cli runs it before starting the stack).
 */
import { performance } from 'node:perf_hooks';
import { rank, type RankingEntry } from '../../apps/evaluation-service/src/scoring/ranking';
import { weightedScore, type ScoredReview, type ScoringGrid } from '../../apps/evaluation-service/src/scoring/scoring';
import { median } from './load';
import type { Row } from './figures';
import { prng } from './prng';

export interface RankingFigureOptions {
  dossiers: number;
  log(line: string): void;
}

const RUNS = 5;
const REVIEWERS = 200;
const REVIEWS_PER_DOSSIER = 3;

/** A call's grid as programme managers write them: a few criteria of different weights and scales. */
export const BENCH_GRID: ScoringGrid = {
  criteria: [
    { criterionId: 'impact', label: 'Impact territorial', weight: 3, maxScore: 10, passThreshold: 2 },
    { criterionId: 'qualite', label: 'Qualité du projet', weight: 2, maxScore: 10 },
    { criterionId: 'faisabilite', label: 'Faisabilité', weight: 2, maxScore: 5 },
    { criterionId: 'budget', label: 'Budget', weight: 1, maxScore: 5 },
  ],
  passThreshold: 20,
};

/**
 * A call of `dossiers` dossiers, 3 distinct reviewers each among 200: a fifth of the reviewers
 * lenient (+15 points), a fifth harsh (−15), each with a spread of their own; a dossier has a latent
 * quality and each criterion's score is that quality seen by the reviewer, plus noise, on its scale.
 */
export function generateCall(dossiers: number, seed = 9): RankingEntry[] {
  const random = prng(seed);
  const reviewers = Array.from({ length: REVIEWERS }, (_, i) => {
    const kind = random();
    return { reviewerId: `reviewer-${String(i).padStart(3, '0')}`, bias: kind < 0.2 ? 15 : kind < 0.4 ? -15 : 0, spread: 0.6 + random() * 0.8 };
  });
  const start = Date.parse('2026-03-01T08:00:00Z');
  const entries: RankingEntry[] = new Array(dossiers);
  for (let i = 0; i < dossiers; i += 1) {
    const quality = 20 + random() * 65;
    const picked: number[] = [];
    while (picked.length < REVIEWS_PER_DOSSIER) {
      const r = Math.floor(random() * REVIEWERS);
      if (!picked.includes(r)) picked.push(r);
    }
    const reviews: ScoredReview[] = picked.map((r) => {
      const reviewer = reviewers[r]!;
      const scores = BENCH_GRID.criteria.map((criterion) => {
        const seen = 50 + (quality - 50) * reviewer.spread + reviewer.bias + (random() - 0.5) * 20;
        const score = Math.round((seen / 100) * criterion.maxScore);
        return { criterionId: criterion.criterionId, score: score < 0 ? 0 : score > criterion.maxScore ? criterion.maxScore : score };
      });
      return { reviewerId: reviewer.reviewerId, weightedScore: weightedScore(BENCH_GRID, scores), scores };
    });
    entries[i] = {
      dossierId: `dossier-${i}`,
      number: `AAP-2026-${String(i + 1).padStart(6, '0')}`,
      // Several receipts per second: some ties reach the receipt-time tie-break.
      submittedAt: new Date(start + Math.floor(i / 3) * 1000).toISOString(),
      reviews,
    };
  }
  return entries;
}

const fmtMs = (value: number) => `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;

export async function rankingFigure(options: RankingFigureOptions): Promise<Row[]> {
  const generatedAt = performance.now();
  const entries = generateCall(options.dossiers);
  options.log(`ranking: generated ${entries.length} dossiers × ${REVIEWS_PER_DOSSIER} reviews by ${REVIEWERS} reviewers in ${fmtMs(performance.now() - generatedAt)}`);
  const settings = { rankBy: 'normalised' as const, disagreementShareBps: 2_500 };
  // The baseline's input: each dossier's raw mean, computed before timing.
  const rawMeans = entries.map((entry) => entry.reviews.reduce((sum, review) => sum + review.weightedScore, 0) / entry.reviews.length);

  const product: number[] = [];
  const baseline: number[] = [];
  let ranked = 0;
  let eliminated = 0;
  for (let run = 1; run <= RUNS; run += 1) {
    // Alternating which goes first, as the other figures do, so that drift hits both alike.
    const order = run % 2 ? (['product', 'baseline'] as const) : (['baseline', 'product'] as const);
    for (const side of order) {
      if (side === 'product') {
        const startedAt = performance.now();
        const ranking = rank(entries, settings, BENCH_GRID);
        product.push(performance.now() - startedAt);
        ranked = ranking.ranked.length;
        eliminated = ranking.eliminated.length;
      } else {
        const copy = rawMeans.slice();
        const startedAt = performance.now();
        copy.sort((a, b) => b - a);
        baseline.push(performance.now() - startedAt);
      }
    }
    options.log(`ranking #${run}: rank ${fmtMs(product.at(-1)!)}, bare sort ${fmtMs(baseline.at(-1)!)}`);
  }
  const productMs = median(product);
  const baselineMs = median(baseline);
  const verdict = productMs < 1000 ? 'under the 1 s target' : 'OVER the 1 s target';
  options.log(`ranking: median ${fmtMs(productMs)} (${verdict}); ${ranked} ranked, ${eliminated} eliminated`);
  return [
    {
      id: 'ranking',
      figure: `rank a call: ${entries.length} dossiers × ${REVIEWS_PER_DOSSIER} reviews, ${REVIEWERS} reviewers, normalisation included (${RUNS} runs)`,
      product: `${fmtMs(productMs)} (${verdict})`,
      baseline: `${fmtMs(baselineMs)} (sort of the raw means)`,
      ratio: productMs > 0 ? baselineMs / productMs : null,
      latency: `min/max ${fmtMs(Math.min(...product))}/${fmtMs(Math.max(...product))} · ${fmtMs(Math.min(...baseline))}/${fmtMs(Math.max(...baseline))}`,
      details: { runsMs: { product, baseline }, dossiers: entries.length, reviewsPerDossier: REVIEWS_PER_DOSSIER, reviewers: REVIEWERS, ranked, eliminated },
    },
  ];
}
