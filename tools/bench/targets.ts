/**
 * The targets of issue 17 beside the figures: each a limit on one measured value, judged here (pure),
 * shown in the table's `target` and `pass` columns. A row may hold several (the export: first byte,
 * whole, memory): it passes when each does, and its target text marks the one that failed.
 */

export const TARGETS = {
  listP99Ms: 150,
  searchP99Ms: 150,
  countsP99Ms: 50,
  exportFirstByteMs: 200,
  exportWholeMs: 5_000,
  exportRssGrowthMb: 50,
  submitP99Ms: 250,
  emailRecordedP99Ms: 500,
  webhookDeliveredP99Ms: 1_000,
  queuedAfterLoad: 0,
  /** create a draft: product/baseline throughput at least. */
  createRatio: 0.6,
  /** consumer draining the backlog: product/baseline rate at least. */
  backlogRatio: 0.5,
  /** the same figure at the largest call size over the smallest, at most. */
  flatRatio: 1.5,
} as const;

export interface Check {
  /** e.g. `p99 ≤ 150 ms`. */
  target: string;
  /** undefined when the value could not be measured (no answer, NaN): neither pass nor fail. */
  pass: boolean | undefined;
}

const measured = (value: number) => Number.isFinite(value);
const judged = (target: string, value: number, ok: (value: number) => boolean): Check => ({ target, pass: measured(value) ? ok(value) : undefined });

/** `value ≤ limit` (a latency, a size, a count). */
export const atMost = (what: string, value: number, limit: number, unit: string): Check => judged(`${what} ≤ ${limit}${unit ? ` ${unit}` : ''}`, value, (v) => v <= limit);

/** `ratio ≥ minimum` (product beside its bare baseline: 1 = as good). */
export const ratioAtLeast = (ratio: number | null, minimum: number): Check => judged(`≥ ${minimum}× baseline`, ratio ?? Number.NaN, (v) => v >= minimum);

/**
 * Cost flat: the figure at the largest size over the same figure at the smallest, at most `limit`.
 * For a latency (lower is better) the ratio is large/small; `NaN` when either is missing.
 */
export function flatness(small: number, large: number, limit: number = TARGETS.flatRatio): Check & { ratio: number } {
  const ratio = measured(small) && measured(large) && small > 0 ? large / small : Number.NaN;
  return { ratio, ...judged(`≤ ${limit}× the smallest call`, ratio, (v) => v <= limit) };
}

/** Several checks of one row: passes when every measured one does; the target text marks each failure. */
export function allOf(checks: Check[]): Check {
  if (checks.length === 1) return checks[0]!;
  const target = checks.map((c) => `${c.target}${c.pass === false ? ' ✗' : ''}`).join(' · ');
  const pass = checks.some((c) => c.pass === false) ? false : checks.every((c) => c.pass === true) ? true : undefined;
  return { target, pass };
}

/** The ratio column of a latency or a duration: baseline / product (1 = as good as the bare baseline); null when either is missing. */
export const latencyRatio = (baseline: number, product: number): number | null => (measured(baseline) && measured(product) && product > 0 ? baseline / product : null);

/** The `pass` column's text. */
export const passText = (pass: boolean | undefined) => (pass === undefined ? '—' : pass ? 'pass' : 'FAIL');
