/**
 * The load generators of the bench: a closed loop (N connections, each sending its next request as
 * soon as the previous answered: the throughput a server sustains) and an open loop at a fixed rate
 * (requests leave on schedule whatever the answers: latency under a given load, no coordinated
 * omission). undici's Pool rather than fetch: the generator shares the machine's two cores with
 * what it measures, so its own cost per request must stay small.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Sample {
  index: number;
  /** Epoch milliseconds (sub-millisecond precision), comparable with times stored by the services. */
  sentAt: number;
  answeredAt: number;
  status: number;
  /** 0 when the request failed without an answer (timeout, connection error). */
  body?: string;
}

export interface LoadSummary {
  sent: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  /** Successful answers per second over the measured window. */
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  seconds: number;
  /**
   * CPU time (user + system) the server process spent per request answered in the measured window,
   * when its CPU could be read: what a request costs, whatever else shares the machine.
   */
  cpuMsPerRequest?: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

function summarise(samples: Sample[], seconds: number, isOk: (status: number) => boolean): LoadSummary {
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  for (const sample of samples) {
    statuses[sample.status || 'error'] = (statuses[sample.status || 'error'] ?? 0) + 1;
    if (isOk(sample.status)) latencies.push(sample.answeredAt - sample.sentAt);
  }
  latencies.sort((a, b) => a - b);
  return {
    sent: samples.length,
    ok: latencies.length,
    failed: samples.length - latencies.length,
    statuses,
    throughput: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    seconds,
  };
}

const is2xx = (status: number) => status >= 200 && status < 300;

async function send(pool: Pool, spec: RequestSpec, index: number, options: { keepBody: boolean; timeoutMs: number }): Promise<Sample> {
  const sentAt = epochNow();
  try {
    const response = await pool.request({
      method: spec.method,
      path: spec.path,
      headers: spec.headers,
      body: spec.body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const body = options.keepBody || !is2xx(response.statusCode) ? await response.body.text() : (await response.body.dump(), undefined);
    return { index, sentAt, answeredAt: epochNow(), status: response.statusCode, body };
  } catch (error) {
    return { index, sentAt, answeredAt: epochNow(), status: 0, body: (error as Error).message };
  }
}

/**
 * `connections` loops for `seconds` (after `warmupSeconds` not counted); the next request of a loop
 * is `next(i)` with a global counter i, so consecutive requests spread over the data set.
 */
export async function closedLoop(
  origin: string,
  next: (index: number) => RequestSpec,
  options: { connections: number; seconds: number; warmupSeconds?: number; timeoutMs?: number; cpuSeconds?: () => number | undefined },
): Promise<LoadSummary & { firstFailures: string[] }> {
  const pool = new Pool(origin, { connections: options.connections, pipelining: 1 });
  let counter = 0;
  const samples: Sample[] = [];
  try {
    const run = async (until: number, record: boolean) => {
      await Promise.all(
        Array.from({ length: options.connections }, async () => {
          while (performance.now() < until) {
            const sample = await send(pool, next(counter++), counter, { keepBody: false, timeoutMs: options.timeoutMs ?? 30_000 });
            if (record) samples.push(sample);
          }
        }),
      );
    };
    const warmup = options.warmupSeconds ?? Math.min(2, options.seconds / 4);
    if (warmup > 0) await run(performance.now() + warmup * 1000, false);
    const cpuBefore = options.cpuSeconds?.();
    const started = performance.now();
    await run(started + options.seconds * 1000, true);
    const cpuAfter = options.cpuSeconds?.();
    // Throughput counts the answers within the window; latencies include the requests still in
    // flight when it closed (a server slower than the window still gets its latency measured).
    const end = performance.timeOrigin + started + options.seconds * 1000;
    const summary = { ...summarise(samples, options.seconds, is2xx), throughput: samples.filter((s) => is2xx(s.status) && s.answeredAt <= end).length / options.seconds };
    const firstFailures = samples.filter((s) => !is2xx(s.status)).slice(0, 3).map((s) => `${s.status}: ${(s.body ?? '').slice(0, 200)}`);
    const cpuMsPerRequest = cpuBefore !== undefined && cpuAfter !== undefined && samples.length > 0 ? ((cpuAfter - cpuBefore) * 1000) / samples.length : undefined;
    return { ...summary, ...(cpuMsPerRequest !== undefined ? { cpuMsPerRequest } : {}), firstFailures };
  } finally {
    await pool.close();
  }
}

export interface FixedRateResult extends LoadSummary {
  requestedRate: number;
  /** Successful answers per second, from the first request sent to the last success answered. */
  achievedRate: number;
  samples: Sample[];
  firstFailures: string[];
}

/**
 * `rate` requests a second for `seconds`, each on schedule (an open loop). Every request may take
 * up to `timeoutMs`; the result waits for the last one.
 */
export async function fixedRate(
  origin: string,
  next: (index: number) => RequestSpec,
  options: { rate: number; seconds: number; timeoutMs: number; keepBody?: boolean },
): Promise<FixedRateResult> {
  const total = Math.round(options.rate * options.seconds);
  const pool = new Pool(origin, { connections: Math.min(512, total), pipelining: 1 });
  try {
    const started = performance.now();
    const pending: Array<Promise<Sample>> = [];
    for (let index = 0; index < total; index++) {
      const due = started + (index * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      pending.push(send(pool, next(index), index, { keepBody: options.keepBody ?? false, timeoutMs: options.timeoutMs }));
    }
    const samples = await Promise.all(pending);
    const ok = samples.filter((s) => is2xx(s.status));
    const firstSent = samples[0]?.sentAt ?? 0;
    const lastOk = Math.max(firstSent, ...ok.map((s) => s.answeredAt));
    const window = Math.max(options.seconds, (lastOk - firstSent) / 1000);
    const summary = summarise(samples, window, is2xx);
    return {
      ...summary,
      requestedRate: options.rate,
      achievedRate: ok.length / window,
      samples,
      firstFailures: samples.filter((s) => !is2xx(s.status)).slice(0, 3).map((s) => `${s.status}: ${(s.body ?? '').slice(0, 200)}`),
    };
  } finally {
    await pool.close();
  }
}

/** Runs `work` over `items` with at most `limit` at once; reports progress every 5 s. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>, progress?: (done: number) => void): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let nextIndex = 0;
  let done = 0;
  const timer = progress ? setInterval(() => progress(done), 5_000) : undefined;
  try {
    await Promise.all(
      Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (nextIndex < items.length) {
          const index = nextIndex++;
          results[index] = await work(items[index]!, index);
          done++;
        }
      }),
    );
  } finally {
    clearInterval(timer);
  }
  return results;
}
