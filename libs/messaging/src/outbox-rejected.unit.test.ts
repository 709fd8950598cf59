import { describe, expect, it } from 'vitest';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { isMessageRejection, messageRejectionOf, RECORD_REFUSALS } from './message-size';
import { rejectedEntry } from './outbox-rejected';

const protocolError = (type: string) => Object.assign(new KafkaJSProtocolError(`${type} from the broker`), { type });

describe('which send failures set an outbox entry aside', () => {
  it('given the broker refusing the records (too large, invalid), wrapped by the retrier, then it is a refusal naming the Kafka error', () => {
    for (const type of ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']) {
      const refused = protocolError(type);
      const wrapped = Object.assign(new KafkaJSNonRetriableError(refused), { cause: refused }); // as kafkajs's retrier wraps it
      expect(messageRejectionOf(wrapped, RECORD_REFUSALS)).toBe(`${type}: ${type} from the broker`);
    }
  });

  it('given a broker that is down, a damaged transfer or a wrong setting, then nothing is set aside (the dead-letter truncation still treats the latter two as refusals)', () => {
    const down = new KafkaJSConnectionError('Connection error: ECONNREFUSED');
    expect(messageRejectionOf(Object.assign(new KafkaJSNonRetriableError(down), { cause: down }), RECORD_REFUSALS)).toBeUndefined();
    for (const type of ['CORRUPT_MESSAGE', 'INVALID_REQUIRED_ACKS']) {
      expect(messageRejectionOf(protocolError(type), RECORD_REFUSALS)).toBeUndefined();
      expect(isMessageRejection(protocolError(type))).toBe(true);
    }
  });
});

describe('rejectedEntry', () => {
  const envelope = (data: unknown) => ({
    specversion: '1.0' as const,
    id: 'e-1',
    type: 'probe.launched.v1',
    source: '/aap/submission',
    subject: 'p-1',
    time: '2026-12-01T00:00:00.000Z',
    datacontenttype: 'application/json' as const,
    correlationid: 'e-1',
    data,
  });

  it('given a small envelope, then it is kept whole', () => {
    const entry = rejectedEntry(envelope({ label: 'x' }), 7, { collection: 'probes', id: 'p-1' }, 'unknown-type', 'not in the catalogue');
    expect(entry).toMatchObject({ _id: 'e-1', seq: 7, truncated: false, envelope: { data: { label: 'x' } }, aggregate: { collection: 'probes', id: 'p-1' } });
  });

  it('given a huge envelope, then its data is cut to the start of its JSON and its full size is kept', () => {
    const entry = rejectedEntry(envelope({ label: 'x'.repeat(100_000) }), 1, { collection: 'probes', id: 'p-1' }, 'too-large', 'too large');
    expect(entry.truncated).toBe(true);
    expect(entry.bytes).toBeGreaterThan(100_000);
    expect(typeof entry.envelope.data).toBe('string');
    expect((entry.envelope.data as string).length).toBe(16 * 1024);
    expect(entry.envelope.id).toBe('e-1');
  });
});
