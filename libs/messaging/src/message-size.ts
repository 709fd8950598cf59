import type { IHeaders, Message } from 'kafkajs';

/** Bytes a record batch of one message takes on the wire, within a few bytes (record v2 format). */
const BATCH_OVERHEAD = 61;
const RECORD_OVERHEAD = 21;
const HEADER_OVERHEAD = 2;

const bytes = (value: string | Buffer | null | undefined) => (value == null ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length);

function headerBytes(headers: IHeaders | undefined): number {
  let total = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    for (const single of Array.isArray(value) ? value : [value]) total += Buffer.byteLength(name) + bytes(single) + HEADER_OVERHEAD;
  }
  return total;
}

/**
 * Size a message takes alone in a record batch: what the broker compares with `message.max.bytes`
 * (or a topic's `max.message.bytes`). kafkajs does not check it; the broker refuses the whole batch.
 */
export function messageBytes(message: Pick<Message, 'key' | 'value' | 'headers'>): number {
  return BATCH_OVERHEAD + RECORD_OVERHEAD + bytes(message.key) + bytes(message.value) + headerBytes(message.headers);
}

/** Kafka protocol errors that condemn the message itself: sending it again can never work. */
const MESSAGE_REJECTIONS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_REQUIRED_ACKS']);
/**
 * The narrower set for which the outbox relay sets an entry aside for good: only what the broker
 * says of the records themselves (CORRUPT_MESSAGE may be a damaged transfer, INVALID_REQUIRED_ACKS a
 * setting: neither is the message's fault).
 */
export const RECORD_REFUSALS: ReadonlySet<string> = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/** `<Kafka error type>: <message>` of the first error in the chain whose type is in `types`, else undefined. */
export function messageRejectionOf(error: unknown, types: ReadonlySet<string> = MESSAGE_REJECTIONS): string | undefined {
  for (let cause = error as { type?: string; message?: string; originalError?: unknown; cause?: unknown } | undefined; cause; ) {
    if (cause.type && types.has(cause.type)) return `${cause.type}: ${cause.message ?? ''}`.trim();
    cause = (cause.originalError ?? cause.cause) as typeof cause;
  }
  return undefined;
}

export function isMessageRejection(error: unknown): boolean {
  return messageRejectionOf(error) !== undefined;
}
