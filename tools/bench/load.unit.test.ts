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
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/hang') return; // never answers
      setTimeout(() => response.writeHead(request.url === '/missing' ? 404 : 200).end('{}'), 5);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('fixedRate: sends on schedule and reports the achieved rate of the successes', async () => {
    const result = await fixedRate(origin, (i) => ({ method: 'GET', path: i % 10 === 9 ? '/missing' : '/ok' }), { rate: 50, seconds: 1, timeoutMs: 2_000 });
    expect(result.sent).toBe(50);
    expect(result.ok).toBe(45);
    expect(result.statuses).toEqual({ 200: 45, 404: 5 });
    expect(result.achievedRate).toBeGreaterThan(40);
    expect(result.achievedRate).toBeLessThanOrEqual(46);
    expect(result.p50).toBeGreaterThanOrEqual(5);
  });

  it('fixedRate: a request without an answer fails at its timeout', async () => {
    const result = await fixedRate(origin, () => ({ method: 'GET', path: '/hang' }), { rate: 2, seconds: 1, timeoutMs: 300 });
    expect(result.ok).toBe(0);
    expect(result.statuses).toEqual({ error: 2 });
  });

  it('closedLoop: a throughput bounded by connections and latency', async () => {
    const result = await closedLoop(origin, () => ({ method: 'GET', path: '/ok' }), { connections: 2, seconds: 1, warmupSeconds: 0 });
    expect(result.failed).toBe(0);
    // Two connections, ≥ 5 ms a request: at most ~400 answers a second.
    expect(result.throughput).toBeGreaterThan(20);
    expect(result.throughput).toBeLessThan(420);
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
