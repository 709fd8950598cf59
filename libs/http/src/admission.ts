import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sendProblem } from './problem';

export interface AdmissionOptions {
  /** Requests this process works on at once (health probes aside); one more is refused with 503. 0: no limit. */
  maxInFlight: number;
  /** Refuse new requests while the event loop's mean delay over the last second exceeds this (ms). 0: not checked. */
  maxEventLoopDelayMs: number;
}

/**
 * How long a refused caller is asked to wait. Short: an in-flight slot frees up as soon as one request
 * answers, and a longer wait would leave the service idle once the burst is over.
 */
export const ADMISSION_RETRY_AFTER_SECONDS = 2;

/** Probes must see the process as it is (an orchestrator restarting a busy service makes it worse). */
const EXEMPT_PREFIXES = ['/health/'];

/** The event-loop delay is sampled this often; a refusal decision reads the last sample, never measures. */
const EVENT_LOOP_SAMPLE_MS = 1_000;

/** A route admission control never refuses (its URL as declared, e.g. `/health/ready`). */
export const isAdmissionExempt = (url: string) => EXEMPT_PREFIXES.some((prefix) => url.startsWith(prefix));

const isExempt = (request: FastifyRequest) => isAdmissionExempt(request.routeOptions.url ?? '');

function refuse(request: FastifyRequest, reply: FastifyReply, detail: string): void {
  reply.header('retry-after', String(ADMISSION_RETRY_AFTER_SECONDS));
  void sendProblem(reply, {
    type: 'https://aap.anct.gouv.fr/problems/overloaded',
    title: 'The service is overloaded',
    status: 503,
    detail: `${detail}; retry in ${ADMISSION_RETRY_AFTER_SECONDS} s`,
    instance: request.url,
  });
}

/**
 * Admission control: under more load than the service and its store can take, a new request is
 * refused at once with 503 problem+json and Retry-After, before authentication, parsing or any
 * database work, instead of queueing behind hundreds of others until every caller times out. Two
 * signals: the requests in flight in this process (what waits on the database) and the event loop's
 * delay (what waits on the CPU). /health/* is never refused.
 *
 * Not @fastify/under-pressure (9.x, fastify 5): it has no in-flight limit, the main signal here, and
 * its event-loop check is the same histogram sampled once a second; one hook answers both the same way.
 */
export const admissionPlugin = fp(async (app: FastifyInstance, options: AdmissionOptions) => {
  const { maxInFlight, maxEventLoopDelayMs } = options;
  if (maxInFlight <= 0 && maxEventLoopDelayMs <= 0) return;

  let eventLoopDelayMs = 0;
  if (maxEventLoopDelayMs > 0) {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const timer = setInterval(() => {
      // The histogram's own resolution is counted in every sample: only the excess is delay.
      eventLoopDelayMs = Math.max(0, histogram.mean / 1e6 - 10);
      histogram.reset();
    }, EVENT_LOOP_SAMPLE_MS);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      histogram.disable();
    });
  }

  let inFlight = 0;
  const release = () => {
    inFlight -= 1;
  };
  app.addHook('onRequest', (request, reply, done) => {
    if (isExempt(request)) return done();
    if (maxEventLoopDelayMs > 0 && eventLoopDelayMs > maxEventLoopDelayMs) {
      return refuse(request, reply, `the event loop lags ${Math.round(eventLoopDelayMs)} ms behind (at most ${maxEventLoopDelayMs} ms)`);
    }
    if (maxInFlight > 0) {
      if (inFlight >= maxInFlight) return refuse(request, reply, `${maxInFlight} requests are already in progress`);
      inFlight += 1;
      // 'close' fires once the response is sent or the client went away: never released twice, never lost.
      reply.raw.once('close', release);
    }
    done();
  });
});
