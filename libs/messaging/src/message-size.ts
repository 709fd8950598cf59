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

export function isMessageRejection(error: unknown): boolean {
  for (let cause = error as { type?: string; originalError?: unknown; cause?: unknown } | undefined; cause; ) {
    if (cause.type && MESSAGE_REJECTIONS.has(cause.type)) return true;
    cause = (cause.originalError ?? cause.cause) as typeof cause;
  }
  return false;
}
