import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS } from '@aap/config';
import { SERVICE_NAMES } from '@aap/contracts';
import { freePort, isPortOpen } from '@aap/local-infra';
import { useTestEnvironment, waitFor } from '@aap/test-harness';

/**
 * The README's copy-paste session, run as a user runs it: `npm start`'s entry (tools/start.ts) as a
 * child process on the run's broker and database, then the session's ```sh block taken from README.md
 * itself (so this breaks when the README drifts from the platform), pasted at once into bash.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const READY_LINE = '[start] the AAP platform is up';

/** The ```sh block of the section "A copy-paste session…", as a user copies it. */
function readmeSession(): string {
  const markdown = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = markdown.split(/^### /m).find((part) => part.startsWith('A copy-paste session'));
  const block = section && /^```sh\n([\s\S]*?)^```$/m.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```sh block under "### A copy-paste session…"');
  return block;
}

/** The ports the README's session uses, by the variable that moves each one under `npm start`. */
const README_PORTS: Record<string, number> = {
  ...Object.fromEntries(SERVICE_NAMES.map((service) => [`${service.toUpperCase().replace('-', '_')}_PORT`, DEFAULT_PORTS[service]])),
  MAILDEV_WEB_PORT: 1080,
  MAILDEV_SMTP_PORT: 1025,
};

const isTaken = async (port: number) => (await isPortOpen(port, '127.0.0.1')) || (await isPortOpen(port, '::1'));

/** The README's ports where they are free, others where something already listens (a developer's own `npm start`). */
async function choosePorts(): Promise<Record<string, number>> {
  const chosen: Record<string, number> = {};
  for (const [variable, port] of Object.entries(README_PORTS)) chosen[variable] = (await isTaken(port)) ? await freePort() : port;
  return chosen;
}

/** The session with `localhost:<README port>` moved to the chosen ports (nothing changes when the README's are free). */
function onPorts(session: string, ports: Record<string, number>): string {
  return Object.entries(README_PORTS).reduce((text, [variable, port]) => text.replaceAll(`localhost:${port}`, `localhost:${ports[variable]}`), session);
}

interface Running {
  child: ChildProcess;
  output(): string;
  exit: Promise<number | NodeJS.Signals | null>;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exit = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return { child, output: () => output, exit };
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Waits for `condition`, failing at once (with the output) if the process ends first. */
async function whileRunning<T>(process: Running, condition: () => T | Promise<T>, options: { deadlineMs: number; what: string }): Promise<void> {
  const ended = process.exit.then((exit) => {
    throw new Error(`the process ended (${exit}) before ${options.what}:\n${process.output().slice(-4000)}`);
  });
  await Promise.race([waitFor(condition, options), ended]);
}

/** Every process below `pid` (the services are detached: their own process groups, still its children). */
function descendantsOf(pid: number): number[] {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((row) => row.trim().split(/\s+/).map(Number) as [number, number]);
  const below = (parent: number): number[] => rows.filter(([, ppid]) => ppid === parent).flatMap(([child]) => [child, ...below(child)]);
  return below(pid);
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120);
  } catch {
    return '(ended)';
  }
}

/** Running, a zombie aside (an orphan waits there until init reaps it). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** curl prints each answer without a newline after it: the session's output as its JSON answers and its plain lines. */
function splitOutput(text: string): { answers: Array<Record<string, unknown>>; lines: string[] } {
  const answers: Array<Record<string, unknown>> = [];
  let plain = '';
  for (let index = 0; index < text.length; ) {
    const end = text[index] === '{' ? endOfObject(text, index) : -1;
    if (end > 0) {
      try {
        answers.push(JSON.parse(text.slice(index, end)) as Record<string, unknown>);
        plain += '\n';
        index = end;
        continue;
      } catch {
        // not JSON after all: plain text
      }
    }
    plain += text[index++];
  }
  return { answers, lines: plain.split('\n').map((line) => line.trim()).filter(Boolean) };
}

function endOfObject(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if ((char === '}' || char === ']') && --depth === 0) return index + 1;
  }
  return -1;
}

describe('the README session', () => {
  const environment = useTestEnvironment();

  it('given `npm start` on the run’s broker and database, when the README’s copy-paste session is pasted at once, then it shows the receipt, the timeline, the acknowledgement e-mail, the ranking, the accepted dossier, its agreement signed and its first payment; then `npm run demo` runs through, twice', { timeout: 600_000 }, async () => {
    const ports = await choosePorts();
    const session = onPorts(readmeSession(), ports);
    // Each read that depends on an event waits through the session's one bounded wait_for: a loop of its own would never end when the event never comes.
    expect(session).toMatch(/^wait_for\(\) \{ for _ in \{1\.\.\d+\}/m);
    expect(session, 'no unbounded loop in the session').not.toMatch(/^\s*(until|while)\b/m);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...Object.fromEntries(Object.entries(ports).map(([variable, port]) => [variable, String(port)])),
      KAFKA_BROKERS: environment.kafkaBrokers,
      MONGODB_URI: environment.mongoUri,
      // Own topics, and (tools/start.ts) own databases `<prefix>_<service>`, dropped by the harness.
      KAFKA_TOPIC_PREFIX: environment.prefix,
      KAFKA_TOPIC_PARTITIONS: '2',
      AAP_TRACE_VIEWER: 'false',
      LOG_LEVEL: 'warn',
    };
    for (const variable of ['SMTP_HOST', 'MONGODB_DB', 'AAP_SEED_DEMO', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_ZIPKIN_ENDPOINT']) delete env[variable];

    const start = run(process.execPath, ['--import', 'tsx', 'tools/start.ts'], env);
    let descendants: number[] = [];
    let bash: Running | undefined;
    try {
      await whileRunning(start, () => start.output().includes(READY_LINE), { deadlineMs: 180_000, what: 'the platform is up (demo seeded)' });
      descendants = descendantsOf(start.child.pid!);
      const commands = descendants.map((pid) => `${pid} ${commandOf(pid)}`);
      expect(descendants.length).toBeGreaterThanOrEqual(SERVICE_NAMES.length);
      expect(start.output()).not.toContain('demo data not seeded');

      // Pasted at once: nothing waits between two commands but what the session waits for itself.
      // -e: a failed step stops the session there (a user would see it and stop too).
      const pasted = run('bash', ['-e', '-c', session], { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` });
      bash = pasted;
      await waitFor(() => hasExited(pasted.child), { deadlineMs: 180_000, intervalMs: 250, what: 'the README session to end' }).catch((error: Error) => {
        throw new Error(`${error.message}; its output so far:\n${pasted.output()}`);
      });
      const sessionOutput = pasted.output();
      expect(await pasted.exit, sessionOutput).toBe(0);

      const { answers, lines } = splitOutput(sessionOutput);
      const failures = answers.filter((answer) => typeof answer.status === 'number' && answer.status >= 400);
      expect(failures, 'no answer of the session is an error').toEqual([]);

      const receipt = answers.find((answer) => 'contentHash' in answer);
      expect(receipt, sessionOutput).toMatchObject({ dossierId: expect.any(String), number: expect.stringMatching(/^AAP-\d{4}-\d{6}$/) });
      const { dossierId, number } = receipt as { dossierId: string; number: string };

      const timeline = answers.find((answer) => 'entries' in answer);
      expect(timeline, 'the timeline answers (not 404)').toMatchObject({ dossierId, number, entries: expect.arrayContaining([expect.objectContaining({ source: expect.stringContaining('submission') })]) });

      expect(lines, 'the acknowledgement e-mail').toContain(`Accusé de réception — dossier ${number}`);
      expect(lines.filter((line) => line === '1 dossier(s) to review'), 'each reviewer has the dossier to review').toHaveLength(3);

      const ranking = answers.find((answer) => 'rankBy' in answer) as { items?: unknown[] } | undefined;
      expect(ranking, 'the ranking').toMatchObject({ waveId: 'vague-1', items: [expect.objectContaining({ dossierId, number, rank: 1, reviewCount: 3 })] });

      expect(lines, 'the dossier accepted').toContain('accepted');
      // Then funding-award: the agreement issued, signed, countersigned; the award started; the bank details validated (masked);
      // the legal commitment recorded; the advance validated, released by another officer, paid.
      const payment = lines.slice(lines.indexOf('accepted') + 1);
      expect(payment, 'from the award to the first payment, the last lines').toEqual([
        'issued',
        'signed',
        'countersigned',
        'in-execution',
        'bank details validated: FR76 **** 0189',
        'legal commitment 2103456789',
        'validated',
        'released',
        'advance paid: 6000 € of 20000 €',
      ]);

      await waitFor(
        async () => {
          const mails = (await (await fetch(`http://127.0.0.1:${ports.MAILDEV_WEB_PORT}/api/email`)).json()) as Array<{ subject: string }>;
          return mails.some((mail) => mail.subject === `Votre dossier est retenu — dossier ${number}`);
        },
        { deadlineMs: 60_000, intervalMs: 250, what: 'the applicant’s e-mail «Votre dossier est retenu»' },
      );

      // The session's last line points at `npm run demo`: on the same platform it runs through, and again (each run its own call and names).
      for (const attempt of [1, 2]) {
        const demo = run(process.execPath, ['--import', 'tsx', 'tools/demo.ts'], env);
        await waitFor(() => hasExited(demo.child), { deadlineMs: 240_000, intervalMs: 250, what: `npm run demo (run ${attempt}) to end` }).catch((error: Error) => {
          demo.child.kill('SIGKILL');
          throw new Error(`${error.message}; its output so far:\n${demo.output()}`);
        });
        expect(await demo.exit, demo.output()).toBe(0);
        const steps = Number(/the whole journey, run \S+: (\d+) steps/.exec(demo.output())?.[1]);
        expect(demo.output().split('\n').filter((line) => /^\[\s*\d+\/\d+\] /.test(line)), demo.output()).toHaveLength(steps);
        expect(demo.output()).toContain('[demo] done. To look at:');
      }

      // Stopped as Ctrl-C stops it: the services first, then the mail catcher; nothing left behind.
      start.child.kill('SIGINT');
      await waitFor(() => hasExited(start.child), { deadlineMs: 60_000, intervalMs: 250, what: 'npm start to stop on Ctrl-C' });
      expect(await start.exit, start.output().slice(-4000)).toBe(0);
      expect(start.output()).toContain('[start] stopped');
      // A grandchild (tsx's esbuild) may end only just after its parent: waited for, not assumed.
      await waitFor(() => descendants.every((pid) => !isAlive(pid)), { deadlineMs: 15_000, what: `the processes npm start started to end:\n${commands.join('\n')}` });
      for (const port of Object.values(ports)) expect(await isPortOpen(port), `port ${port} closed`).toBe(false);
    } finally {
      if (bash && !hasExited(bash.child)) bash.child.kill('SIGKILL');
      if (!hasExited(start.child)) {
        descendants = [...new Set([...descendants, ...descendantsOf(start.child.pid!)])];
        start.child.kill('SIGTERM');
        await waitFor(() => hasExited(start.child), { deadlineMs: 30_000, what: 'npm start to stop' }).catch(() => start.child.kill('SIGKILL'));
      }
      // The services are detached: a start that died or was killed leaves them to this test.
      for (const pid of descendants.filter(isAlive)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // ended meanwhile
        }
      }
    }
  });
});
