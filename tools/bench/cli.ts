/**
 * npm run bench [-- --dossiers 1000 --only read,submit …]: every figure of issue 8 beside a bare
 * baseline on the same database and broker, in one run, `--repetitions` times, medians; first the
 * standalone figures (issue 9's ranking), computed in this process without Kafka or the database.
 * Prints a table and writes it as JSON (tools/bench/results/<time>.json, or --out).
 * Options: see USAGE below.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import {
  consumerFigure,
  createFigure,
  idleFigure,
  observeSubmits,
  readFigures,
  submitFigures,
  updateFigure,
  type BenchContext,
  type BenchOptions,
  type Row,
} from './figures';
import { ledgerFigure } from './ledger';
import { pipelineFigure } from './pipeline';
import { rankedListFigure } from './ranked-list';
import { rankingFigure } from './ranking';
import { seed } from './seed';
import { countsFigure, exportFigure, listFigure, searchFigure } from './staff-lists';
import { benchServiceEnv, createTopic, freePort, REPOSITORY_ROOT, runInfrastructure, startMailCatcher, startNodeProcess, type Cleanups, type NodeProcess } from './stack';
import { renderTable } from './table';
import { startWebhookReceiver } from './webhook-receiver';

const FIGURES = ['ranking', 'idle', 'read', 'list', 'search', 'counts', 'export', 'update', 'submit', 'pipeline', 'create', 'consumer', 'ranked-list', 'ledger'] as const;
/** Figures that seed their own data (no dossiers through the submission API needed). */
const SELF_SEEDED: readonly Figure[] = ['list', 'search', 'counts', 'export', 'pipeline', 'ranked-list', 'ledger'];

type Figure = (typeof FIGURES)[number];
/** Figures computed in this process alone: run first, before (and without) Kafka, the database and the services. */
const STANDALONE = ['ranking'] as const;
type StandaloneFigure = (typeof STANDALONE)[number];
type StackFigure = Exclude<Figure, StandaloneFigure>;
const isStandalone = (figure: Figure): figure is StandaloneFigure => (STANDALONE as readonly string[]).includes(figure);
const STANDALONE_RUNNERS: Record<StandaloneFigure, (options: { rankingDossiers: number }) => Promise<Row[]>> = {
  ranking: ({ rankingDossiers }) => rankingFigure({ dossiers: rankingDossiers, log: say }),
};
const RUNNERS: Record<StackFigure, (context: BenchContext) => Promise<Row[]>> = {
  idle: idleFigure,
  read: readFigures,
  list: listFigure,
  search: searchFigure,
  counts: countsFigure,
  export: exportFigure,
  update: updateFigure,
  submit: submitFigures,
  pipeline: pipelineFigure,
  // Creating drafts grows the collection: after the figures that depend on its size.
  create: createFigure,
  consumer: consumerFigure,
  'ranked-list': rankedListFigure,
  ledger: ledgerFigure,
};

const USAGE = `npm run bench -- [options]
  --dossiers N          dossiers stored through the API before the figures that use them (default 10000)
  --sizes 1000,10000    calls of these sizes for list, search, counts and export (dossiers inserted straight), each
                        figure at every size and how flat its cost stays from the smallest to the largest
  --only a,b            figures to run among ${FIGURES.join(', ')} (default all)
  --repetitions N       runs of each figure, product and baseline alternating (default 3)
  --seconds N           duration of each closed-loop run (default 8) with --connections N (default 10)
  --rates 20,50         submit rates requested (per second), each for --submit-seconds N (default 4)
  --submit-timeout S    a submit not answered within S seconds counts as failed (default 30)
  --settle S            how long to wait for the notifications after a submit run (default 30)
  --pipeline-rate N     the pipeline figure's submits per second (default 20), for --pipeline-seconds N (default 60)
  --backlog N           events in the consumer backlog (default 20000), --backlog-timeout S (default 120)
  --idle-seconds N      the at-rest window (default 10)
  --organisations N     applicant organisations (default 20), --seed-concurrency N (default 8)
  --ranking-dossiers N  dossiers of the call the ranking figure ranks, 3 reviews each (default 100000); needs no stack
  --out FILE            where the JSON goes (default tools/bench/results/<time>.json)
  --keep                keep the bench databases and topics afterwards
  --cpu-prof            the services run with node --cpu-prof: .cpuprofile files in the run's logs/profiles/<service>
                        (written when they stop; the main thread's is the largest; Chrome DevTools or speedscope)
Runs on KAFKA_BROKERS + MONGODB_URI when both are set, else the local Kafka and FerretDB of @aap/local-infra
(AAP_KAFKA_PORT, AAP_FERRETDB_PORT, AAP_INFRA_HOME select another instance).`;

const say = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

function parseOptions() {
  const { values } = parseArgs({
    options: {
      dossiers: { type: 'string', default: '10000' },
      sizes: { type: 'string', default: '1000,10000' },
      'pipeline-rate': { type: 'string', default: '20' },
      'pipeline-seconds': { type: 'string', default: '60' },
      only: { type: 'string' },
      repetitions: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '8' },
      connections: { type: 'string', default: '10' },
      rates: { type: 'string', default: '20,50' },
      'submit-seconds': { type: 'string', default: '4' },
      'submit-timeout': { type: 'string', default: '30' },
      settle: { type: 'string', default: '30' },
      backlog: { type: 'string', default: '20000' },
      'backlog-timeout': { type: 'string', default: '120' },
      'idle-seconds': { type: 'string', default: '10' },
      organisations: { type: 'string', default: '20' },
      'ranking-dossiers': { type: 'string', default: '100000' },
      'seed-concurrency': { type: 'string', default: '8' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const positive = (name: string, raw: string) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number (got ${raw})\n${USAGE}`);
    return value;
  };
  const only = values.only?.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = only?.filter((name) => !(FIGURES as readonly string[]).includes(name)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown figure(s) ${unknown.join(', ')}: choose among ${FIGURES.join(', ')}`);
  const options: BenchOptions = {
    dossiers: Math.round(positive('dossiers', values.dossiers)),
    repetitions: Math.round(positive('repetitions', values.repetitions)),
    seconds: positive('seconds', values.seconds),
    connections: Math.round(positive('connections', values.connections)),
    rates: values.rates.split(',').map((rate) => positive('rates', rate)),
    submitSeconds: positive('submit-seconds', values['submit-seconds']),
    submitTimeoutMs: positive('submit-timeout', values['submit-timeout']) * 1000,
    settleSeconds: positive('settle', values.settle),
    backlog: Math.round(positive('backlog', values.backlog)),
    backlogTimeoutSeconds: positive('backlog-timeout', values['backlog-timeout']),
    idleSeconds: positive('idle-seconds', values['idle-seconds']),
    only: only ? new Set(only) : undefined,
    sizes: values.sizes
      .split(',')
      .map((size) => Math.round(positive('sizes', size)))
      .sort((a, b) => a - b),
    pipelineRate: positive('pipeline-rate', values['pipeline-rate']),
    pipelineSeconds: positive('pipeline-seconds', values['pipeline-seconds']),
  };
  return {
    options,
    organisations: Math.round(positive('organisations', values.organisations)),
    rankingDossiers: Math.round(positive('ranking-dossiers', values['ranking-dossiers'])),
    seedConcurrency: Math.round(positive('seed-concurrency', values['seed-concurrency'])),
    out: values.out,
    keep: values.keep,
    cpuProf: values['cpu-prof'],
  };
}

const SERVICES = ['submission', 'evaluation', 'funding-award', 'notification'] as const;

async function main(): Promise<void> {
  const { options, organisations, rankingDossiers, seedConcurrency, out, keep, cpuProf } = parseOptions();
  const selected = FIGURES.filter((figure) => !options.only || options.only.has(figure));
  const stackFigures = selected.filter((figure): figure is StackFigure => !isStandalone(figure));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const resultsDir = path.join(REPOSITORY_ROOT, 'tools/bench/results');
  const logDir = path.join(resultsDir, `${stamp}-logs`);
  const prefix = `bench${Date.now().toString(36)}`;
  const cleanups: Cleanups = [];
  // Last started, first stopped; each step once even when Ctrl-C and the end of main both clean up.
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error) => say(`clean-up: ${(error as Error).message}`));
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

  const rows: Row[] = [];
  const loadBefore = loadavg();
  /** The table of every figure and its JSON; `stack` when the figures that need Kafka and the database ran. */
  const report = (stack?: { dossiers: number; infrastructure: string; seedSeconds: number }) => {
    const staff = selected.some((figure) => ['list', 'search', 'counts', 'export'].includes(figure)) ? `, staff figures on calls of ${options.sizes.join(' and ')} dossiers` : '';
    const what = stack ? `${stack.dossiers} dossiers stored through the API${staff}, ${options.repetitions} repetitions` : 'standalone figures only';
    const title = `AAP bench — ${what}, medians (commit ${commit()}, ${startedAt.toISOString()})`;
    console.log(`\n${title}\n${renderTable(rows)}`);
    const file = out ? path.resolve(out) : path.join(resultsDir, `${stamp}.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          title,
          startedAt: startedAt.toISOString(),
          finishedAt: new Date().toISOString(),
          commit: commit(),
          options: { ...options, only: selected, dossiers: stack?.dossiers, organisations, seedConcurrency, rankingDossiers },
          infrastructure: stack?.infrastructure ?? 'none (standalone figures only)',
          machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageBefore: loadBefore, loadAverageAfter: loadavg() },
          ...(stack
            ? { seed: { seconds: stack.seedSeconds, how: 'through the submission API (organisations, call, drafts; ready drafts completed with project, budget and 2 attachments); the staff and pipeline figures: calls whose dossiers are generated and inserted straight (dossier-generator.ts), sizes ' + options.sizes.join(', ') } }
            : {}),
          rows,
        },
        null,
        2,
      )}\n`,
    );
    say(`results written to ${path.relative(process.cwd(), file)}`);
  };

  try {
    // In this process alone, before the stack starts (nothing else of ours competes for the CPU).
    for (const figure of selected.filter(isStandalone)) {
      say(`— ${figure}`);
      const figureRows = await STANDALONE_RUNNERS[figure]({ rankingDossiers });
      rows.push(...figureRows);
      console.log(renderTable(figureRows));
    }
    if (stackFigures.length === 0) {
      report();
      return;
    }

    const { infra, mongo, kafka } = await runInfrastructure({ prefix, clientId: `${prefix}-bench`, logDir, keep }, say, cleanups);
    const smtpPort = await startMailCatcher(cleanups);

    const baselineTopic = `${prefix}.baseline.dossier`;
    await createTopic(kafka, baselineTopic);

    // The services as configured for production apart from what a bench needs, with databases and topics of their own.
    const serviceEnv = benchServiceEnv(infra, smtpPort);
    say('starting the four services…');
    const started = await Promise.all(
      SERVICES.map(async (service) => {
        const process = await startNodeProcess(
          service,
          `apps/${service}-service/src/main.ts`,
          {
            ...serviceEnv,
            KAFKA_TOPIC_PREFIX: prefix,
            MONGODB_DB: `${prefix}_${service.replace('-', '_')}`,
            // The pipeline figure's webhook receiver listens on this machine.
            ...(service === 'notification' ? { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } : {}),
          },
          {
            port: await freePort(),
            logFile: path.join(logDir, `${service}.log`),
            // A directory per service: tsx's loader thread writes a profile of its own beside the main thread's (the largest).
            nodeArgs: cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(logDir, 'profiles', service)}`] : [],
          },
        );
        cleanups.push(() => process.stop());
        return [service, process] as const;
      }),
    );
    const services = Object.fromEntries(started) as BenchContext['services'];
    say(`services ready: ${started.map(([name, p]) => `${name} ${p.url} (pid ${p.pid})`).join(', ')}`);

    const observer = await observeSubmits(kafka, { product: `${prefix}.submission.dossier`, baseline: baselineTopic }, `${prefix}.bench-observer`);
    cleanups.push(() => observer.stop());

    const ready = selected.includes('submit') ? Math.round(options.repetitions * options.rates.reduce((sum, rate) => sum + rate * options.submitSeconds, 0)) : 0;
    // Only self-seeded figures: the submission API seeds the minimum (the stack still starts as usual).
    const dossiers = stackFigures.every((figure) => SELF_SEEDED.includes(figure)) ? 100 : Math.max(options.dossiers, ready + 100);
    if (dossiers !== options.dossiers) say(`storing ${dossiers} dossiers: the submit figure needs ${ready} ready ones plus drafts to update`);
    const seedStarted = Date.now();
    say(`seeding through the submission API: ${organisations} organisations, 1 call, ${ready} complete drafts, ${dossiers - ready} more drafts…`);
    const seeded = await seed(services.submission.url, { organisations, ready, dossiers, concurrency: seedConcurrency, log: say });
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    say(`seeded in ${seedSeconds.toFixed(0)} s`);

    // The baseline works on a copy of the product's dossiers: the same documents, shape and count.
    const productDossiers = mongo.db(`${prefix}_submission`).collection('dossiers');
    const baselineDossiers = mongo.db(`${prefix}_baseline`).collection('dossiers');
    let batch: mongoose.mongo.Document[] = [];
    for await (const document of productDossiers.find({})) {
      batch.push(document);
      if (batch.length === 1000) {
        await baselineDossiers.insertMany(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await baselineDossiers.insertMany(batch);
    const webhooks = await startWebhookReceiver();
    cleanups.push(() => webhooks.stop());
    const baseline: NodeProcess = await startNodeProcess(
      'bare baseline server',
      'tools/bench/baseline/server.ts',
      { MONGODB_URI: infra.mongoUri, MONGODB_DB: `${prefix}_baseline`, KAFKA_BROKERS: infra.kafkaBrokers, BASELINE_TOPIC: baselineTopic, BASELINE_WEBHOOK_URL: `${webhooks.url}/baseline` },
      { port: await freePort(), logFile: path.join(logDir, 'baseline.log') },
    );
    cleanups.push(() => baseline.stop());
    say(`baseline ready on a copy of the ${await baselineDossiers.countDocuments()} dossiers: ${baseline.url}`);

    const context: BenchContext = {
      options,
      prefix,
      kafkaBrokers: infra.kafkaBrokers,
      mongoUri: infra.mongoUri,
      kafka,
      mongo,
      services,
      baseline,
      infraPids: infra.pids,
      seed: seeded,
      database: (name) => mongo.db(`${prefix}_${name.replace('-', '_')}`),
      observer,
      webhooks,
      logDir,
      serviceEnv,
      log: say,
    };
    for (const figure of stackFigures) {
      say(`— ${figure}`);
      const figureRows = await RUNNERS[figure](context);
      rows.push(...figureRows);
      console.log(renderTable(figureRows));
    }
    report({ dossiers, infrastructure: infra.describe, seedSeconds });
  } finally {
    await cleanUp();
  }
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPOSITORY_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`[bench] ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
