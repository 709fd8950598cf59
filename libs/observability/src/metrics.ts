import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics, type Attributes, type Meter, type MeterProvider } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

export type { Attributes, BatchObservableCallback, Counter, Histogram, Meter } from '@opentelemetry/api';

let reader: PrometheusExporter | undefined;

/**
 * The metric reader of the telemetry SDK (telemetry.ts): Prometheus' exporter, pulled when `/metrics`
 * is scraped and never on a timer, so a service at rest does no metric work. Its own server is not
 * started: `serveMetrics` serves it on the service's admin port.
 */
export function prometheusReader(): PrometheusExporter {
  reader ??= new PrometheusExporter({ preventServerStart: true });
  return reader;
}

/** Forgets the reader (the SDK shut it down). */
export function dropPrometheusReader(): void {
  reader = undefined;
}

export interface MetricsEndpoint {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  /** The port asked for was taken and `orFreePort` allowed another. */
  movedFrom?: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) on its own port, apart from the public API: no
 * authentication, rate limit or admission control of the API applies, and the port need not be
 * exposed. Undefined when telemetry was not started in this process (no reader: nothing to serve).
 * A port already taken fails, naming METRICS_PORT; or, with `orFreePort` (a default port, not one the
 * operator chose), the endpoint moves to a free port and says so in `movedFrom`.
 */
export async function serveMetrics(options: { host: string; port: number; orFreePort?: boolean }): Promise<MetricsEndpoint | undefined> {
  const exporter = reader;
  if (!exporter) return undefined;
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url?.split('?')[0] === '/metrics') return exporter.getMetricsRequestHandler(request, response);
    response.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  let movedFrom: number | undefined;
  try {
    await listen(options.port);
  } catch (error) {
    if (!options.orFreePort || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
      throw new Error(`/metrics could not listen on ${options.host}:${options.port} (${(error as Error).message}): choose another METRICS_PORT`, { cause: error });
    }
    movedFrom = options.port;
    await listen(0);
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/metrics`.replace('[::1]', 'localhost'),
    ...(movedFrom === undefined ? {} : { movedFrom }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An instrument made on first use from the meter provider registered then, and made again if another
 * provider was registered since: modules create theirs at import, which may come before telemetry
 * starts (the API hands out a no-op meter for good before a provider is registered).
 */
export function lazyInstrument<I>(meterName: string, create: (meter: Meter) => I): () => I {
  let made: { provider: MeterProvider; instrument: I } | undefined;
  return () => {
    const provider = metrics.getMeterProvider();
    if (made?.provider !== provider) made = { provider, instrument: create(provider.getMeter(meterName)) };
    return made.instrument;
  };
}

/**
 * `work` with each of its failures (a rejected promise) counted on a counter named `name`, shown at 0
 * from the start so that a rate over it is defined before the first failure.
 */
export function countingFailures<A extends unknown[], R>(
  name: string,
  description: string,
  work: (...args: A) => Promise<R>,
  attributes: Attributes = {},
): (...args: A) => Promise<R> {
  const failures = lazyInstrument('@aap/observability', (meter) => meter.createCounter(name, { description, unit: '{failure}' }));
  failures().add(0, attributes);
  return async (...args) => {
    try {
      return await work(...args);
    } catch (error) {
      failures().add(1, attributes);
      throw error;
    }
  };
}
