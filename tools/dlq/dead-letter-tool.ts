/**
 * The functions behind `npm run dlq`: read a service's dead-letter topic without touching its
 * consumer group, and re-publish chosen dead letters to their original topic.
 */
import { randomBytes } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { createIdempotentProducer, headerString, withoutDeadLetterHeaders } from '@aap/messaging';

export interface StoredDeadLetter {
  /** Where the dead letter itself is, on the dead-letter topic. */
  partition: number;
  offset: string;
  failedAt: string;
  eventType: string | undefined;
  eventId: string | undefined;
  original: { topic: string | undefined; partition: number | undefined; offset: string | undefined };
  reason: string;
  detail: string;
  attempts: number | undefined;
  /** Too large for the dead-letter topic: only the first bytes of the value were kept. */
  truncated: boolean;
  originalBytes: number | undefined;
  key: Buffer | null;
  value: Buffer | null;
  /** The original message's headers (the `dlq_*` ones removed), as they are re-published. */
  headers: IHeaders;
}

export class DeadLetterTopicMissing extends Error {
  override name = 'DeadLetterTopicMissing';
}

/**
 * Every dead letter on `topic` up to its end when the read starts, oldest failure first. Read with a
 * consumer group of its own (`<groupPrefix>.dlq-tool.<random>`) that never commits, so the service's
 * group and its offsets are left alone and nothing stays behind on the broker.
 */
export async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  options: { groupPrefix: string; timeoutMs?: number },
): Promise<StoredDeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new DeadLetterTopicMissing(`the dead-letter topic ${topic} does not exist (check KAFKA_TOPIC_PREFIX; the service creates it when it starts)`);
    const offsets = await admin.fetchTopicOffsets(topic);
    // The end of each non-empty partition when we start: later dead letters wait for the next run.
    ends = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return [];

  const letters: StoredDeadLetter[] = [];
  const pending = new Set(ends.keys());
  const consumer = kafka.consumer({ groupId: `${options.groupPrefix}.dlq-tool.${randomBytes(6).toString('hex')}`, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = ends.get(partition);
        if (end === undefined || BigInt(message.offset) >= end) return;
        letters.push(toStoredDeadLetter(partition, message));
        if (BigInt(message.offset) + 1n >= end) {
          pending.delete(partition);
          if (pending.size === 0) done();
        }
      },
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`could not read ${topic} to its end within ${timeoutMs} ms (partitions ${[...pending].join(', ')} unfinished)`)), timeoutMs);
    });
    try {
      await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
  }
  return letters.sort((a, b) => a.failedAt.localeCompare(b.failedAt) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

function toStoredDeadLetter(partition: number, message: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers?: IHeaders }): StoredDeadLetter {
  const header = (name: string) => headerString(message.headers, name);
  const number = (name: string) => (header(name) === undefined ? undefined : Number(header(name)));
  return {
    partition,
    offset: message.offset,
    failedAt: header('dlq_failed_at') ?? new Date(Number(message.timestamp)).toISOString(),
    eventType: header('ce_type'),
    eventId: header('ce_id'),
    original: { topic: header('dlq_original_topic'), partition: number('dlq_original_partition'), offset: header('dlq_original_offset') },
    reason: header('dlq_reason') ?? 'unknown',
    detail: header('dlq_error') ?? '',
    attempts: number('dlq_attempts'),
    truncated: header('dlq_truncated') === 'true',
    originalBytes: number('dlq_original_bytes'),
    key: message.key,
    value: message.value,
    headers: withoutDeadLetterHeaders(message.headers),
  };
}

const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function originOf(letter: StoredDeadLetter): string {
  return `${letter.original.topic ?? '?'}/${letter.original.partition ?? '?'}@${letter.original.offset ?? '?'}`;
}

/** One line for a person: where it is, when it failed, which event, where it came from, why. */
export function formatDeadLetter(letter: StoredDeadLetter): string {
  return [
    `${letter.partition}@${letter.offset}`,
    letter.failedAt,
    letter.eventType ?? '-',
    letter.eventId ?? '-',
    originOf(letter),
    letter.truncated ? `${letter.reason} (truncated)` : letter.reason,
    oneLine(letter.detail, 120),
  ].join('  ');
}

/** One JSON line: every field, the key, value and headers as UTF-8 text. */
export function deadLetterJson(letter: StoredDeadLetter): string {
  const { key, value, headers, ...rest } = letter;
  return JSON.stringify({
    ...rest,
    key: key?.toString('utf8') ?? null,
    value: value?.toString('utf8') ?? null,
    headers: Object.fromEntries(Object.keys(headers).map((name) => [name, headerString(headers, name)])),
  });
}

export type ReplayOutcome =
  | { status: 'replayed' | 'would-replay'; letter: StoredDeadLetter }
  | { status: 'skipped'; letter: StoredDeadLetter; why: string }
  | { status: 'not-found'; eventId: string };

/**
 * Re-publishes the original message (same key, value and headers, the `dlq_*` ones removed) of each
 * selected dead letter to its original topic, with an idempotent producer, oldest original offset
 * first, so the consumers handle it again as if it were new. An event dead-lettered several times is
 * sent once. Skipped: a truncated dead letter (its value is incomplete), one without an original
 * topic, and one whose event `isHandled` says the service already handled. Running it twice is safe:
 * a consumer skips an event id already in its inbox (`processed_events`).
 */
export async function replayDeadLetters(
  kafka: Kafka,
  letters: StoredDeadLetter[],
  selection: { ids?: string[]; all?: boolean; dryRun?: boolean; isHandled?: (eventId: string) => Promise<boolean> },
): Promise<ReplayOutcome[]> {
  const latest = new Map<string, StoredDeadLetter>();
  for (const letter of letters) latest.set(letter.eventId ?? `${letter.partition}@${letter.offset}`, letter);
  const wanted = selection.all ? [...latest.values()] : (selection.ids ?? []).flatMap((id) => latest.get(id) ?? []);
  const outcomes: ReplayOutcome[] = selection.all ? [] : (selection.ids ?? []).filter((id) => !latest.has(id)).map((eventId) => ({ status: 'not-found', eventId }));
  wanted.sort(
    (a, b) =>
      (a.original.topic ?? '').localeCompare(b.original.topic ?? '') ||
      (a.original.partition ?? 0) - (b.original.partition ?? 0) ||
      Number(BigInt(a.original.offset ?? '0') - BigInt(b.original.offset ?? '0')),
  );

  const producer = selection.dryRun ? undefined : createIdempotentProducer(kafka);
  await producer?.connect();
  try {
    for (const letter of wanted) {
      const why = await skipReason(letter, selection.isHandled);
      if (why) {
        outcomes.push({ status: 'skipped', letter, why });
        continue;
      }
      if (!producer) {
        outcomes.push({ status: 'would-replay', letter });
        continue;
      }
      // One send at a time: the events of one key reach their partition in their original order.
      await producer.send({ topic: letter.original.topic!, acks: -1, messages: [{ key: letter.key, value: letter.value, headers: letter.headers }] });
      outcomes.push({ status: 'replayed', letter });
    }
  } finally {
    await producer?.disconnect();
  }
  return outcomes;
}

async function skipReason(letter: StoredDeadLetter, isHandled?: (eventId: string) => Promise<boolean>): Promise<string | undefined> {
  if (letter.truncated) {
    return `truncated dead letter (the original was ${letter.originalBytes ?? '?'} bytes): cannot be replayed; the whole message is at ${originOf(letter)} until that topic's retention`;
  }
  if (!letter.original.topic) return 'no original topic recorded (dlq_original_topic header missing)';
  if (letter.eventId && isHandled && (await isHandled(letter.eventId))) return 'already handled by the service (in its processed_events): nothing to do';
  return undefined;
}

export function formatOutcome(outcome: ReplayOutcome): string {
  if (outcome.status === 'not-found') return `not found     ${outcome.eventId}: no dead letter with this event id`;
  const { letter } = outcome;
  const what = `${letter.eventType ?? '-'} ${letter.eventId ?? `(no event id, dead letter ${letter.partition}@${letter.offset})`}`;
  if (outcome.status === 'skipped') return `skipped       ${what}: ${outcome.why}`;
  return `${outcome.status === 'replayed' ? 'replayed     ' : 'would replay '} ${what} -> ${letter.original.topic} (was ${originOf(letter)}, ${letter.reason})`;
}
