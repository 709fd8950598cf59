import { expect, it } from 'vitest';
import { pipelineRows, type PipelineRun } from './pipeline';

const run = (ms: { submit: number; email: number; webhook: number }, queued = { emails: 0, webhooks: 0 }, failed = 0): PipelineRun => ({
  requested: 1_200,
  achievedRate: 20,
  failed,
  firstFailures: [],
  submit: { p50: ms.submit / 2, p95: ms.submit, p99: ms.submit },
  email: { p50: ms.email / 2, p95: ms.email, p99: ms.email },
  webhook: { p50: ms.webhook / 2, p95: ms.webhook, p99: ms.webhook },
  queuedAfterLoad: queued,
  missing: { emails: 0, webhooks: 0 },
});
const load = { rate: 20, seconds: 60, perRun: 1_200, settleSeconds: 30 };
const bare = run({ submit: 5, email: 8, webhook: 10 });

it('pipelineRows: submit, e-mail, webhook and queued rows, medians over the runs, each judged on its target', () => {
  const rows = pipelineRows({ product: [run({ submit: 200, email: 400, webhook: 900 }), run({ submit: 300, email: 450, webhook: 1_200 }), run({ submit: 240, email: 600, webhook: 800 })], baseline: [bare, bare, bare] }, load);
  expect(rows.map((r) => [r.id, r.target, r.pass])).toEqual([
    ['pipeline-submit', 'p99 ≤ 250 ms', true],
    ['pipeline-email', 'p99 ≤ 500 ms', true],
    ['pipeline-webhook', 'p99 ≤ 1000 ms', true],
    ['pipeline-queued', 'worst run ≤ 0', true],
  ]);
  expect(rows[2]!.ratio).toBeCloseTo(10 / 900);
});

it('pipelineRows: anything still queued 2 s after the load, or a failed submit, fails', () => {
  const rows = pipelineRows({ product: [run({ submit: 100, email: 100, webhook: 100 }, { emails: 0, webhooks: 3 }, 2)], baseline: [bare] }, load);
  expect(rows.find((r) => r.id === 'pipeline-queued')).toMatchObject({ product: '3 (per run)', pass: false });
  expect(rows.find((r) => r.id === 'pipeline-submit')!.pass).toBe(false);
});

it('pipelineRows: a run where every submit failed has nothing measured as queued', () => {
  const rows = pipelineRows({ product: [run({ submit: Number.NaN, email: Number.NaN, webhook: Number.NaN }, { emails: Number.NaN, webhooks: Number.NaN }, 1_200)], baseline: [bare] }, load);
  expect(rows.find((r) => r.id === 'pipeline-queued')).toMatchObject({ product: '— (per run)', pass: undefined });
});
