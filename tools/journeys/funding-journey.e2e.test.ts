import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceName } from '@aap/contracts';
import { startMailCatcher } from '@aap/notification-service/testing';
import { startServiceProcess, startZipkinReceiver, useTestEnvironment, waitFor, type ServiceProcess } from '@aap/test-harness';
import { fundingJourney, type JourneyUrls } from './funding-journey';

/**
 * The whole journey of issue 15 (tools/journeys/funding-journey.ts, the very steps `npm run demo`
 * runs), through the public HTTP APIs of the four services, each its own process running its real
 * entry point, on the run's broker and database. Funding-award is restarted once with its clock
 * moved on, as a deadline job sees a later day. Each step is one test, in order; a step waits on the
 * state it needs, never on a fixed time. Every step runs: the e2e restarts funding-award with its clock
 * moved on, so nothing is left out (the demo on `npm start` leaves out the lapse and says so).
 */

const env = useTestEnvironment();
const SERVICES: ServiceName[] = ['submission', 'evaluation', 'funding-award', 'notification'];

describe('the whole journey: from the call to the last euro, across the four services as processes', () => {
  const processes = new Map<ServiceName, ServiceProcess>();
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let zipkin: Awaited<ReturnType<typeof startZipkinReceiver>>;
  const urls: JourneyUrls = { submission: '', evaluation: '', fundingAward: '', notification: '' };
  const envOf = (service: ServiceName, extra: Record<string, string> = {}) =>
    env.envFor(service, {
      // Spans to a Zipkin receiver, as npm start sends them to Zipkin: the demo's link to the journey's trace.
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      ...(service === 'notification' ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(mail.port), PUBLIC_APP_URL: 'https://aap.example.fr' } : {}),
      ...extra,
    });

  const journey = fundingJourney({
    urls,
    // Resolved when each step runs: the processes start in beforeAll.
    restartFundingAwardWithClock: async (clock) => {
      await processes.get('funding-award')!.stop();
      const restarted = await startServiceProcess('funding-award', envOf('funding-award', { ...clock }));
      processes.set('funding-award', restarted);
      return restarted.url;
    },
  });

  beforeAll(async () => {
    mail = await startMailCatcher();
    zipkin = await startZipkinReceiver();
    const started = await Promise.allSettled(SERVICES.map((service) => startServiceProcess(service, envOf(service))));
    SERVICES.forEach((service, index) => {
      const outcome = started[index]!;
      if (outcome.status === 'fulfilled') processes.set(service, outcome.value);
    });
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    Object.assign(urls, {
      submission: processes.get('submission')!.url,
      evaluation: processes.get('evaluation')!.url,
      fundingAward: processes.get('funding-award')!.url,
      notification: processes.get('notification')!.url,
    });
  });

  afterAll(async () => {
    await Promise.all([...processes.values()].map((service) => service.stop()));
    await mail?.stop();
    zipkin?.server.close();
  });

  it('runs every step of the journey, the lapse included', () => {
    expect(journey.leftOut).toEqual([]);
  });

  // A journey: a step builds on the ones before it, so after a failure the rest fail at once, naming it.
  let failedStep: string | undefined;
  for (const [index, step] of journey.steps.entries()) {
    const title = `${String(index + 1).padStart(2)}. ${step.title}`;
    it(title, { timeout: 180_000 }, async () => {
      if (failedStep) throw new Error(`not run: step «${failedStep}» failed`);
      failedStep = title;
      const done = await step.run();
      expect(done).toBeTruthy();
      failedStep = undefined;
    });
  }

  it('each applicant got its e-mails, in French, and none names a reviewer', async () => {
    if (failedStep) throw new Error(`not run: step «${failedStep}» failed`);
    const { dossiers } = journey.facts();
    await waitFor(
      async () => {
        const mails = await mail.mails();
        return Object.values(dossiers).every(({ email, number }) => mails.some((m) => m.to.includes(email) && m.subject === `Accusé de réception — dossier ${number}`));
      },
      { deadlineMs: 60_000, what: 'the acknowledgement e-mail of every dossier' },
    );
    const mails = await mail.mails();
    const subjectsOf = (email: string) => mails.filter((m) => m.to.includes(email)).map((m) => m.subject);
    expect(subjectsOf(dossiers.association.email)).toEqual(expect.arrayContaining([expect.stringMatching(/^Votre dossier est retenu/)]));
    expect(subjectsOf(dossiers.commune.email).length).toBeGreaterThanOrEqual(3);
    for (const { email } of Object.values(dossiers)) {
      for (const m of mails.filter((m) => m.to.includes(email))) expect(JSON.stringify(m)).not.toMatch(/rev-[\w-]+-\d/);
    }
  });

  it('the journey is one trace: every request carries its traceparent, and each of the four services sends spans of it', async () => {
    if (failedStep) throw new Error(`not run: step «${failedStep}» failed`);
    await waitFor(
      () => new Set(zipkin.spans.filter((span) => span.traceId === journey.traceId).map((span) => span.localEndpoint.serviceName)).size === SERVICES.length,
      { deadlineMs: 30_000, what: `spans of the trace ${journey.traceId} from ${SERVICES.join(', ')}` },
    );
  });
});
