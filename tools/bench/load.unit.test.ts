import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedLoop, fixedRate, median, percentile } from './load';
import { sampleProcess } from './stack';
import { renderTable } from './table';

describe('statistics', () => {
  it('percentile: nearest rank on sorted values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });

  it('median: middle value, mean of the two middle ones, NaN ignored', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
  });
});

describe('load generators against a local HTTP server', () => {
  let server: Server;
  let origin = '';
  /** Requests the server is answering right now, and the most it ever had at once. */
  let inFlight = 0;
  let mostInFlight = 0;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/hang') return; // never answers
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      setTimeout(() => {
        inFlight--;
        response.writeHead(request.url === '/missing' ? 404 : 200).end('{}');
      }, 5);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  // What these generators measure is the bench's business (npm run bench): here, how they count it.
  it('fixedRate: sends every request of the schedule and reports the achieved rate of the successes', async () => {
    const result = await fixedRate(origin, (i) => ({ method: 'GET', path: i % 10 === 9 ? '/missing' : '/ok' }), { rate: 50, seconds: 1, timeoutMs: 2_000 });
    expect(result.sent).toBe(50);
    expect(result.ok).toBe(45);
    expect(result.statuses).toEqual({ 200: 45, 404: 5 });
    // The successes over the window from the first request sent to the last success answered (at least the scheduled second).
    const successes = result.samples.filter((sample) => sample.status === 200);
    const window = Math.max(1, (Math.max(...successes.map((sample) => sample.answeredAt)) - result.samples[0]!.sentAt) / 1000);
    expect(result.achievedRate).toBeCloseTo(45 / window, 6);
    expect(result.p50).toBe([...successes.map((sample) => sample.answeredAt - sample.sentAt)].sort((a, b) => a - b)[22]);
  });

  it('fixedRate: a request without an answer fails at its timeout', async () => {
    const result = await fixedRate(origin, () => ({ method: 'GET', path: '/hang' }), { rate: 2, seconds: 1, timeoutMs: 300 });
    expect(result.ok).toBe(0);
    expect(result.statuses).toEqual({ error: 2 });
  });

  it('closedLoop: each of its connections waits for an answer before the next request; throughput counts the answers', async () => {
    mostInFlight = 0;
    const result = await closedLoop(origin, () => ({ method: 'GET', path: '/ok' }), { connections: 2, seconds: 1, warmupSeconds: 0 });
    expect(result.failed).toBe(0);
    expect(mostInFlight).toBeLessThanOrEqual(2);
    // Answers within the one-second window, out of those sent.
    expect(result.throughput).toBeGreaterThan(0);
    expect(result.throughput).toBeLessThanOrEqual(result.ok);
  });
});

it('sampleProcess: CPU time and resident memory of a live process, undefined for a gone one', () => {
  const sample = sampleProcess(process.pid)!;
  expect(sample.cpuSeconds).toBeGreaterThan(0);
  expect(sample.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
  expect(sampleProcess(2 ** 22 + 1)).toBeUndefined();
});

it('renderTable: a Markdown table, one line per row, ratio with two decimals', () => {
  const table = renderTable([{ id: 'x', figure: 'read', product: '10 req/s', baseline: '20 req/s', ratio: 0.5, latency: '1/2 ms · 1/2 ms', details: {} }]);
  expect(table.split('\n')).toHaveLength(3);
  expect(table).toContain('| read   | 10 req/s | 20 req/s      | 0.50  |');
});
