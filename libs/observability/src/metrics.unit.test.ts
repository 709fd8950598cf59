import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { countingFailures, lazyInstrument, serveMetrics, type MetricsEndpoint } from './metrics';
import { startTelemetry, stopTelemetry } from './telemetry';

// Asked before telemetry starts (the file's code runs before its tests).
const beforeTelemetry = await serveMetrics({ host: '127.0.0.1', port: 0 });
describe('serveMetrics before telemetry started', () => {
  it('given no telemetry in the process, when serving metrics, then nothing is served (no reader to read)', () => {
    expect(beforeTelemetry).toBeUndefined();
  });
});

// One meter provider per process: started once for the file, as a service's main.ts does.
startTelemetry({ serviceName: 'metrics-unit', instrumentLibraries: false, env: {} });
const endpoint = (await serveMetrics({ host: '127.0.0.1', port: 0 })) as MetricsEndpoint;
afterAll(async () => {
  await endpoint.close();
  await stopTelemetry(100);
});
const scrape = async () => (await fetch(endpoint.url)).text();

describe('the admin endpoint', () => {
  it('given telemetry started, when /metrics is fetched on the chosen free port, then the Prometheus text format comes back; any other path is 404', async () => {
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(endpoint.url).port).not.toBe('0');
    const response = await fetch(endpoint.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toContain('target_info{');
    expect((await fetch(endpoint.url.replace('/metrics', '/'))).status).toBe(404);
  });

  it('given a port already taken, when serving there, then it fails naming METRICS_PORT; with orFreePort (a default port), it moves to a free one and says from where', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as AddressInfo).port;
    try {
      await expect(serveMetrics({ host: '127.0.0.1', port: taken })).rejects.toThrow(new RegExp(`^/metrics could not listen on 127\\.0\\.0\\.1:${taken} .*METRICS_PORT`));
      const moved = (await serveMetrics({ host: '127.0.0.1', port: taken, orFreePort: true }))!;
      try {
        expect(moved.movedFrom).toBe(taken);
        expect(new URL(moved.url).port).not.toBe(String(taken));
        expect((await fetch(moved.url)).status).toBe(200);
      } finally {
        await moved.close();
      }
    } finally {
      holder.close();
    }
  });

  it('given an instrument made before use, when recorded, then it is exported under its Prometheus name', async () => {
    const requests = lazyInstrument('metrics-unit', (meter) => meter.createCounter('unit.requests', { description: 'test counter' }));
    requests().add(2, { 'http.route': '/things/:id' });
    expect(await scrape()).toMatch(/^unit_requests_total\{http_route="\/things\/:id",otel_scope_name="metrics-unit"\} 2$/m);
  });
});

describe('countingFailures', () => {
  it('given a wrapped function, then its counter shows 0 at once, counts each rejection and not the successes, and the failure still reaches the caller', async () => {
    let fail = true;
    const send = countingFailures('unit.sends.failures', 'failed sends', async (value: number) => {
      if (fail) throw new Error(`refused ${value}`);
      return value * 2;
    });
    expect(await scrape()).toMatch(/^unit_sends_failures_total\{otel_scope_name="@aap\/observability"\} 0$/m);
    await expect(send(1)).rejects.toThrow('refused 1');
    await expect(send(2)).rejects.toThrow('refused 2');
    fail = false;
    await expect(send(3)).resolves.toBe(6);
    expect(await scrape()).toMatch(/^unit_sends_failures_total\{otel_scope_name="@aap\/observability"\} 2$/m);
  });
});
