import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendProblem, type HttpServer } from '@aap/http';

/**
 * The HTTP side of a graceful stop. Once `startDraining()` is called the server keeps its port, so
 * load balancers and callers get an answer rather than a refused connection: /health/ready says 503,
 * every new request gets 503 problem+json with Retry-After and `Connection: close`, and the requests
 * already accepted run to their end. `/health/live` still answers: the process is alive until it exits.
 */
export class HttpDrain {
  private draining = false;
  private inFlight = 0;
  private readonly idle = new EventTarget();

  constructor(private readonly http: HttpServer) {
    http.addHook('onRequest', (request, reply, done) => {
      if (!this.draining) {
        this.inFlight += 1;
        // 'close' fires once the response is sent or the client went away: never counted twice, never lost.
        reply.raw.once('close', () => {
          this.inFlight -= 1;
          if (this.inFlight === 0) this.idle.dispatchEvent(new Event('idle'));
        });
        return done();
      }
      if (request.routeOptions.url === '/health/live') return done();
      reply.header('connection', 'close').header('retry-after', '5');
      if (request.routeOptions.url === '/health/ready') {
        void reply.status(503).send({ status: 'unavailable', checks: { shutdown: { status: 'unavailable' } } });
        return;
      }
      void sendProblem(reply, {
        type: 'https://aap.anct.gouv.fr/problems/shutting-down',
        title: 'The service is shutting down',
        status: 503,
        detail: 'retry in a few seconds: another instance, or this one once restarted, will answer',
        instance: request.url,
      });
    });
  }

  /** Readiness answers 503 from now on; new requests are refused, the accepted ones continue. */
  startDraining(): void {
    this.draining = true;
  }

  /**
   * Waits until the accepted requests have answered (at most `boundMs`), then closes the server,
   * cutting the connections of requests still running after the bound. Returns how many were cut.
   */
  async close(boundMs: number): Promise<number> {
    this.startDraining();
    if (this.inFlight > 0) {
      const ac = new AbortController();
      await Promise.race([once(this.idle, 'idle', { signal: ac.signal }), sleep(boundMs, undefined, { signal: ac.signal })]).catch(() => undefined);
      ac.abort();
    }
    const cut = this.inFlight;
    const closed = this.http.close();
    // Every accepted request has answered or overrun the bound: what still runs is cut, and so is any
    // connection left open by a caller that gave up on its request (fastify closes only the idle ones,
    // and such a connection would hold the stop until the keep-alive timeout, about 70 s).
    this.http.server.closeAllConnections();
    await closed;
    return cut;
  }
}
