import type { IHeaders, Producer } from 'kafkajs';
import { lazyInstrument, type Logger } from '@aap/observability';
import { isMessageRejection, messageBytes } from './message-size';

export type DeadLetterReason =
  | 'malformed-envelope'
  | 'unknown-type'
  | 'wrong-topic'
  | 'untrusted-source'
  | 'schema-validation'
  | 'handler-failed';

export interface DeadLetter {
  key: Buffer | string | null;
  value: Buffer | string | null;
  /** The original headers (ce_*, traceparent…), kept for a replay. */
  headers: IHeaders;
  position: { topic: string; partition: number; offset: string };
  reason: DeadLetterReason;
  detail: string;
  attempts: number;
}

const deadLettersPublished = lazyInstrument('@aap/messaging', (meter) =>
  meter.createCounter('aap.dead_letters.published', {
    description: "Messages a consumer gave up on and published to its dead-letter topic, per original topic and reason (`npm run dlq` reads them).",
    unit: '{message}',
  }),
);

/** What a truncated dead letter keeps of the original value: enough to recognise it. */
const TRUNCATED_VALUE_BYTES = 1024;
const ERROR_DETAIL_CHARACTERS = 4000;

/**
 * Publishes one dead letter: the original key, value and headers plus `dlq_*` headers saying why.
 * A dead letter the broker would refuse (larger than `maxMessageBytes`, or refused by a topic with a
 * smaller limit) is sent again with its value cut to its first bytes and `dlq_truncated=true`, so the
 * consumer always moves on; the full original stays on its topic at `dlq_original_*` until retention.
 */
export async function publishDeadLetter(
  producer: Producer,
  options: { topic: string; consumer: string; maxMessageBytes: number; logger: Logger },
  letter: DeadLetter,
): Promise<void> {
  const headers: IHeaders = {
    ...withoutDeadLetterHeaders(letter.headers),
    dlq_reason: letter.reason,
    dlq_error: letter.detail.slice(0, ERROR_DETAIL_CHARACTERS),
    dlq_attempts: String(letter.attempts),
    dlq_original_topic: letter.position.topic,
    dlq_original_partition: String(letter.position.partition),
    dlq_original_offset: letter.position.offset,
    dlq_consumer: options.consumer,
    dlq_failed_at: new Date().toISOString(),
  };
  const whole = { key: letter.key, value: letter.value, headers };
  const published = () => deadLettersPublished().add(1, { 'messaging.destination.name': letter.position.topic, 'aap.dead_letter.reason': letter.reason });
  options.logger.error({ ...letter.position, reason: letter.reason, detail: letter.detail, attempts: letter.attempts }, 'message sent to the dead-letter topic');
  if (messageBytes(whole) <= options.maxMessageBytes) {
    try {
      await producer.send({ topic: options.topic, acks: -1, messages: [whole] });
      published();
      return;
    } catch (error) {
      if (!isMessageRejection(error)) throw error; // transient: the message is consumed again and retried
      options.logger.warn({ err: error, ...letter.position }, 'the broker refused the dead letter; sending it truncated');
    }
  }
  const value = letter.value == null ? null : Buffer.from(letter.value).subarray(0, TRUNCATED_VALUE_BYTES);
  await producer.send({
    topic: options.topic,
    acks: -1,
    messages: [
      {
        key: letter.key,
        value,
        headers: {
          ...headers,
          dlq_error: letter.detail.slice(0, TRUNCATED_VALUE_BYTES),
          dlq_truncated: 'true',
          dlq_original_bytes: String(letter.value == null ? 0 : Buffer.byteLength(letter.value)),
        },
      },
    ],
  });
  published();
}

export function withoutDeadLetterHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !name.startsWith('dlq_')));
}
