/**
 * npm run dlq -- list --service <name> [--limit N] [--json]
 * npm run dlq -- replay --service <name> (--id <eventId> … | --all) [--dry-run] [--skip-inbox-check]
 * Reads a service's dead-letter topic and re-publishes chosen dead letters to their original topic.
 * Configured by the service's own environment (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, KAFKA_SSL*,
 * KAFKA_SASL*, MONGODB_URI, MONGODB_DB). Exit codes: 0 done, 1 failed or partly failed, 2 usage.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import pino from 'pino';
import { SERVICE_NAMES, deadLetterTopicName, type ServiceName } from '@aap/contracts';
import { ConfigurationError, kafkaSecurityOf, loadConfig, serviceEnvSchema, type ServiceEnv } from '@aap/config';
import { createKafka } from '@aap/messaging';
import { DeadLetterTopicMissing, deadLetterJson, formatDeadLetter, formatOutcome, readDeadLetters, replayDeadLetters } from './dlq/dead-letter-tool';

const USAGE = `usage:
  npm run dlq -- list --service <name> [--limit N] [--json]
      every dead letter of the service, oldest first: position on the dead-letter topic, time,
      event type, event id, original topic/partition@offset, reason, detail (--json: JSON lines)
  npm run dlq -- replay --service <name> (--id <eventId> [--id …] | --all) [--dry-run] [--skip-inbox-check]
      re-publishes the original message to its original topic; skips truncated dead letters and
      events the service already handled (its processed_events; --skip-inbox-check to not look)
services: ${SERVICE_NAMES.join(', ')}
environment: the service's own (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, KAFKA_SSL*, KAFKA_SASL*, MONGODB_URI, MONGODB_DB)`;

class UsageError extends Error {}

interface Command {
  command: 'list' | 'replay';
  service: ServiceName;
  limit?: number;
  json: boolean;
  ids: string[];
  all: boolean;
  dryRun: boolean;
  skipInboxCheck: boolean;
}

export function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        service: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
        id: { type: 'string', multiple: true, default: [] },
        all: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'skip-inbox-check': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (command !== 'list' && command !== 'replay') throw new UsageError(command ? `unknown command "${command}"` : 'a command is required: list or replay');
  if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(' ')}`);
  if (!values.service) throw new UsageError('--service is required');
  if (!(SERVICE_NAMES as readonly string[]).includes(values.service)) throw new UsageError(`unknown service "${values.service}"`);
  const onlyFor = (option: string, allowed: 'list' | 'replay', given: boolean) => {
    if (given && command !== allowed) throw new UsageError(`--${option} applies to ${allowed} only`);
  };
  onlyFor('limit', 'list', values.limit !== undefined);
  onlyFor('json', 'list', values.json);
  onlyFor('id', 'replay', values.id.length > 0);
  onlyFor('all', 'replay', values.all);
  onlyFor('dry-run', 'replay', values['dry-run']);
  onlyFor('skip-inbox-check', 'replay', values['skip-inbox-check']);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || limit < 1) throw new UsageError(`--limit must be a positive integer (got "${values.limit}")`);
  }
  if (command === 'replay' && values.all === values.id.length > 0) throw new UsageError('replay needs either --id <eventId> (one or more) or --all');
  return {
    command,
    service: values.service as ServiceName,
    limit,
    json: values.json,
    ids: values.id,
    all: values.all,
    dryRun: values['dry-run'],
    skipInboxCheck: values['skip-inbox-check'],
  };
}

/** Runs one command; lines go to `out`, notes and errors to `err`. Returns the exit code. */
export async function runDlq(
  argv: string[],
  io: { env?: Record<string, string | undefined>; out?: (line: string) => void; err?: (line: string) => void } = {},
): Promise<number> {
  const out = io.out ?? ((line) => console.log(line));
  const err = io.err ?? ((line) => console.error(line));
  let command: Command;
  let config: ServiceEnv;
  try {
    command = parseCommand(argv);
    config = loadConfig(command.service, serviceEnvSchema(command.service), io.env ?? process.env);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof ConfigurationError)) throw error;
    err(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  // kafkajs' warnings go to stderr: stdout carries the listing only (pipeable to jq).
  const logger = pino({ level: 'warn', base: { tool: 'dlq' } }, pino.destination(2));
  const kafka = createKafka({ clientId: `${config.KAFKA_CLIENT_ID}-dlq-tool`, brokers: config.KAFKA_BROKERS, logger, ...kafkaSecurityOf(config) });
  const topic = deadLetterTopicName(config.KAFKA_TOPIC_PREFIX, command.service);
  try {
    const letters = await readDeadLetters(kafka, topic, { groupPrefix: config.KAFKA_TOPIC_PREFIX });
    if (command.command === 'list') {
      const shown = letters.slice(0, command.limit ?? letters.length);
      for (const letter of shown) out(command.json ? deadLetterJson(letter) : formatDeadLetter(letter));
      err(`${letters.length} dead letter(s) on ${topic}${shown.length < letters.length ? `, the ${shown.length} oldest shown (--limit)` : ''}`);
      return 0;
    }
    return await replay(command, config, kafka, letters, out, err);
  } catch (error) {
    if (!(error instanceof DeadLetterTopicMissing)) throw error;
    err(error.message);
    return 1;
  }
}

async function replay(
  command: Command,
  config: ServiceEnv,
  kafka: ReturnType<typeof createKafka>,
  letters: Awaited<ReturnType<typeof readDeadLetters>>,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const inbox = command.skipInboxCheck
    ? undefined
    : await mongoose.mongo.MongoClient.connect(config.MONGODB_URI, { serverSelectionTimeoutMS: 10_000 }).catch((error: Error) => {
        throw new Error(`cannot reach ${command.service}'s database to see which events it already handled (${error.message}); --skip-inbox-check replays without looking`);
      });
  try {
    const processed = inbox?.db(config.MONGODB_DB).collection<{ _id: string }>('processed_events');
    const outcomes = await replayDeadLetters(kafka, letters, {
      ids: command.ids,
      all: command.all,
      dryRun: command.dryRun,
      // By _id: the inbox's primary key.
      isHandled: processed ? async (eventId) => (await processed.findOne({ _id: eventId }, { projection: { _id: 1 } })) !== null : undefined,
    });
    for (const outcome of outcomes) out(formatOutcome(outcome));
    const count = (status: string) => outcomes.filter((o) => o.status === status).length;
    err(
      `${command.dryRun ? `${count('would-replay')} would be replayed` : `${count('replayed')} replayed`}, ${count('skipped')} skipped, ${count('not-found')} not found` +
        (count('replayed') > 0 ? `; ${command.service}'s consumer handles them again (it skips an event it has already handled, so replaying twice is safe)` : ''),
    );
    // An --id that could not be replayed is a failure; "already handled" is what a second run finds.
    const unreplayable = outcomes.filter((o) => o.status === 'not-found' || (o.status === 'skipped' && !o.why.startsWith('already handled')));
    return !command.all && unreplayable.length > 0 ? 1 : 0;
  } finally {
    await inbox?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `npm run -s dlq -- list … | head`: a reader that stops early is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  process.exitCode = await runDlq(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    return 1;
  });
}
