/**
 * npm run demo: the whole journey of issue 15 (tools/journeys/funding-journey.ts, the steps the e2e
 * test runs) against the platform `npm start` runs, each step printed as it happens, then the links
 * to look at. Every run makes its own call, dossiers and references: run it as often as you like.
 * The lapse of an award needs funding-award restarted with its clock moved on (800 days): `npm start`
 * cannot do that to a running service, so the demo leaves the lapse and the promotion it frees to
 * the e2e test, and says so.
 */
import { readFileSync } from 'node:fs';
import { SERVICE_NAMES, type ServiceName } from '@aap/contracts';
import { zipkinAnswers, zipkinUiUrl } from '@aap/local-infra';
import { fundingJourney, type JourneyStep } from './journeys/funding-journey';
import { portOf } from './ports';

const MAIL_WEB_PORT = Number(process.env.MAILDEV_WEB_PORT ?? 1080);
const url = (service: ServiceName) => `http://localhost:${portOf(service)}`;
const tty = Boolean(process.stdout.isTTY);
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The services not answering at all (live: a ready check may fail for a moment on a busy broker; the steps wait). */
async function notRunning(): Promise<ServiceName[]> {
  const answers = await Promise.all(
    SERVICE_NAMES.map(async (service) => {
      try {
        return (await fetch(`${url(service)}/health/live`, { signal: AbortSignal.timeout(5_000) })).ok ? undefined : service;
      } catch {
        return service;
      }
    }),
  );
  return answers.filter((service) => service !== undefined);
}

/** Runs one step: a spinner with its title on a terminal, the line of what happened once done. */
async function show(step: JourneyStep, position: string): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  let frame = 0;
  // One terminal line, cut to its width: a wrapped line would not be erased by the next frame.
  const frameOf = () => `${SPINNER[frame++ % SPINNER.length]} ${position} ${step.title} (${elapsed()})`.slice(0, (process.stdout.columns || 100) - 1);
  const spinner = tty ? setInterval(() => process.stdout.write(`\r\x1b[2K${frameOf()}`), 80) : undefined;
  try {
    const done = await step.run();
    process.stdout.write(tty ? `\r\x1b[2K\x1b[32m✔\x1b[0m ${position} ${done} \x1b[2m(${elapsed()})\x1b[0m\n` : `${position} ${done} (${elapsed()})\n`);
  } catch (error) {
    process.stdout.write(tty ? `\r\x1b[2K\x1b[31m✘\x1b[0m ${position} ${step.title}\n` : `${position} FAILED: ${step.title}\n`);
    throw error;
  } finally {
    clearInterval(spinner);
  }
}

async function main(): Promise<void> {
  const missing = await notRunning();
  if (missing.length > 0) {
    console.error(`[demo] not answering: ${missing.join(', ')} (${missing.map((s) => `${url(s)}/health/live`).join(' ')}). Start the platform first: npm start`);
    process.exit(1);
  }
  const { AUTH_JWT_SECRET, AUTH_JWT_SECRET_FILE } = process.env;
  const journey = fundingJourney({
    urls: { submission: url('submission'), evaluation: url('evaluation'), fundingAward: url('funding-award'), notification: url('notification') },
    secret: AUTH_JWT_SECRET || (AUTH_JWT_SECRET_FILE ? readFileSync(AUTH_JWT_SECRET_FILE, 'utf8').trim() : undefined),
  });
  console.log(`[demo] the whole journey, run ${journey.runId}: ${journey.steps.length} steps`);
  const width = String(journey.steps.length).length;
  for (const [index, step] of journey.steps.entries()) await show(step, `[${String(index + 1).padStart(width)}/${journey.steps.length}]`);

  const { callId, dossiers } = journey.facts();
  const association = dossiers.association;
  const lines = [
    `mail catcher      http://localhost:${MAIL_WEB_PORT}/index.html   (every e-mail of the journey, in French)`,
    `a timeline        ${url('notification')}/dossiers/${association.dossierId}/timeline   (${association.number}; token: npm run -s token -- applicant --org ${association.organisationId})`,
    // Staff read only their own calls: the tokens of the people on this call's team.
    `an award          ${url('funding-award')}/awards/${association.dossierId}   (token: npm run -s token -- finance --sub finance-1-${journey.runId})`,
    `the ledger        ${url('funding-award')}/calls/${callId}/ledger   (token: npm run -s token -- finance --sub finance-1-${journey.runId})`,
    `the ranked list   ${url('evaluation')}/calls/${callId}/waves/vague-1/ranking   (token: npm run -s token -- committee --sub comite-${journey.runId})`,
    `the trace         ${zipkinUiUrl()}traces/${journey.traceId}${(await zipkinAnswers()) ? '' : '   (Zipkin is not running: npm start starts it when Java is there)'}`,
  ];
  console.log(`[demo] done. To look at:\n${lines.map((line) => `  ${line}`).join('\n')}`);
  if (journey.leftOut.length > 0) console.log(`[demo] not shown here:\n${journey.leftOut.map(({ title, why }) => `  - ${title} (${why})`).join('\n')}`);
}

main().catch((error) => {
  console.error(`[demo] ${(error as Error).message}`);
  process.exit(1);
});
