import { describe, expect, it } from 'vitest';
import type { IHeaders, Message } from 'kafkajs';
import type { EventEnvelope } from '@aap/contracts';
import { fromKafkaMessage, headerString, MalformedEventError, toKafkaMessage, traceHeadersOf } from './cloudevents';

const envelope: EventEnvelope<{ probeId: string; label: string }> = {
  specversion: '1.0',
  id: '6f1c7a52-8f0e-4d0a-9a4e-2f9e0b7c1d11',
  type: 'probe.launched.v1',
  source: '/aap/submission',
  subject: 'b3c1f0de-1111-4a2b-8c3d-000000000001',
  time: '2025-01-02T03:04:05.678Z',
  datacontenttype: 'application/json',
  correlationid: 'c0ffee00-0000-4000-8000-000000000000',
  causationid: 'cause-0001',
  data: { probeId: 'b3c1f0de-1111-4a2b-8c3d-000000000001', label: 'héllo ✓' },
};

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** What a kafkajs consumer hands over: every header value, and the value, as Buffers. */
function asReceived(message: Message): { headers: IHeaders; value: Buffer | null } {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Buffer.from(String(value), 'utf8');
  }
  const value = message.value === null ? null : Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value, 'utf8');
  return { headers, value };
}

/** Valid received headers, as Buffers, with `changes` applied (undefined removes a header). */
function receivedHeaders(changes: Record<string, string | undefined> = {}): IHeaders {
  const headers = asReceived(toKafkaMessage(envelope)).headers;
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete headers[name];
    else headers[name] = Buffer.from(value);
  }
  return headers;
}

const validValue = () => Buffer.from(JSON.stringify(envelope.data));

function malformedErrorOf(work: () => unknown): MalformedEventError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as Error).name).toBe('MalformedEventError');
    return error as MalformedEventError;
  }
  throw new Error('expected a MalformedEventError, nothing was thrown');
}

describe('toKafkaMessage', () => {
  it('given an envelope, when encoding, then attributes go to ce_* headers, data to a JSON value and the subject to the key', () => {
    const message = toKafkaMessage(envelope);

    expect(message.key).toBe(envelope.subject);
    expect(JSON.parse(message.value as string)).toEqual(envelope.data);
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: envelope.id,
      ce_type: 'probe.launched.v1',
      ce_source: '/aap/submission',
      ce_time: envelope.time,
      ce_subject: envelope.subject,
      ce_correlationid: envelope.correlationid,
      ce_causationid: 'cause-0001',
      'content-type': 'application/json',
    });
  });

  it('given an envelope without causation, when encoding, then there is no ce_causationid header', () => {
    const { causationid: _, ...withoutCausation } = envelope;

    expect(toKafkaMessage(withoutCausation).headers).not.toHaveProperty('ce_causationid');
  });

  it('given trace headers, when encoding, then they are passed through as headers', () => {
    const message = toKafkaMessage(envelope, { traceparent, tracestate: 'vendor=1' });

    expect(message.headers).toMatchObject({ traceparent, tracestate: 'vendor=1', ce_id: envelope.id });
  });
});

describe('fromKafkaMessage', () => {
  it('given an encoded envelope received as Buffers, when decoding, then the same envelope comes back', () => {
    expect(fromKafkaMessage(asReceived(toKafkaMessage(envelope)))).toEqual(envelope);
  });

  it('given an envelope without causation, when round-tripping, then causationid stays absent', () => {
    const { causationid: _, ...withoutCausation } = envelope;

    const decoded = fromKafkaMessage(asReceived(toKafkaMessage(withoutCausation)));

    expect(decoded).toEqual(withoutCausation);
    expect(decoded.causationid).toBeUndefined();
  });

  it('given trace headers, when round-tripping, then traceHeadersOf gives them back and the envelope is unchanged', () => {
    const received = asReceived(toKafkaMessage(envelope, { traceparent, tracestate: 'vendor=1' }));

    expect(fromKafkaMessage(received)).toEqual(envelope);
    expect(traceHeadersOf(received.headers)).toEqual({ traceparent, tracestate: 'vendor=1' });
  });

  it('given string (not Buffer) headers and value, when decoding, then it works too', () => {
    const message = toKafkaMessage(envelope);
    expect(fromKafkaMessage({ headers: message.headers, value: Buffer.from(message.value as string) })).toEqual(envelope);
  });

  it('given no ce_correlationid header, when decoding, then the correlation id falls back to the event id', () => {
    const decoded = fromKafkaMessage({ headers: receivedHeaders({ ce_correlationid: undefined }), value: validValue() });
    expect(decoded.correlationid).toBe(envelope.id);
  });

  it('given no content-type header, when decoding, then JSON is assumed', () => {
    expect(fromKafkaMessage({ headers: receivedHeaders({ 'content-type': undefined }), value: validValue() }).data).toEqual(envelope.data);
  });

  it('given a JSON content-type with parameters, when decoding, then it is accepted', () => {
    const headers = receivedHeaders({ 'content-type': 'application/json; charset=utf-8' });
    expect(fromKafkaMessage({ headers, value: validValue() }).data).toEqual(envelope.data);
  });

  it('given a JSON value that is not an object, when decoding, then data is that value (validation is the schema’s job)', () => {
    expect(fromKafkaMessage({ headers: receivedHeaders(), value: Buffer.from('42') }).data).toBe(42);
  });

  describe('malformed messages', () => {
    it('given no headers at all, when decoding, then every missing required header is listed', () => {
      const error = malformedErrorOf(() => fromKafkaMessage({ value: validValue() }));

      expect(error.message).toBe('missing CloudEvents header(s): ce_specversion, ce_id, ce_type, ce_source, ce_time, ce_subject');
    });

    it('given two missing headers and one empty header, when decoding, then exactly those three are listed', () => {
      const headers = receivedHeaders({ ce_type: undefined, ce_subject: undefined, ce_source: '' });

      const error = malformedErrorOf(() => fromKafkaMessage({ headers, value: validValue() }));

      expect(error.message).toBe('missing CloudEvents header(s): ce_type, ce_source, ce_subject');
    });

    it('given ce_specversion 0.3, when decoding, then it is refused naming the version', () => {
      const error = malformedErrorOf(() => fromKafkaMessage({ headers: receivedHeaders({ ce_specversion: '0.3' }), value: validValue() }));

      expect(error.message).toBe('unsupported ce_specversion 0.3');
    });

    it.each(['text/plain', 'application/avro', 'application/cloudevents+json'])(
      'given content-type %s, when decoding, then it is refused naming the content type',
      (contentType) => {
        const error = malformedErrorOf(() => fromKafkaMessage({ headers: receivedHeaders({ 'content-type': contentType }), value: validValue() }));

        expect(error.message).toBe(`unsupported content-type ${contentType}`);
      },
    );

    it('given a null value (tombstone), when decoding, then it is refused as empty', () => {
      const error = malformedErrorOf(() => fromKafkaMessage({ headers: receivedHeaders(), value: null }));

      expect(error.message).toBe('empty message value');
    });

    it('given a zero-length Buffer value, when decoding, then it is refused as empty', () => {
      const error = malformedErrorOf(() => fromKafkaMessage({ headers: receivedHeaders(), value: Buffer.alloc(0) }));

      expect(error.message).toBe('empty message value');
    });

    it('given a value that is not JSON, when decoding, then it is refused with the parser’s reason', () => {
      const error = malformedErrorOf(() => fromKafkaMessage({ headers: receivedHeaders(), value: Buffer.from('{not json') }));

      expect(error.message).toMatch(/^value is not JSON: .+/);
    });
  });
});

describe('headerString', () => {
  it('given Buffer, string, array and absent values, when reading, then it returns the (first) value as a string', () => {
    const headers: IHeaders = { a: Buffer.from('from-buffer'), b: 'from-string', c: [Buffer.from('first'), 'second'], d: [] };

    expect(headerString(headers, 'a')).toBe('from-buffer');
    expect(headerString(headers, 'b')).toBe('from-string');
    expect(headerString(headers, 'c')).toBe('first');
    expect(headerString(headers, 'd')).toBeUndefined();
    expect(headerString(headers, 'missing')).toBeUndefined();
    expect(headerString(undefined, 'a')).toBeUndefined();
  });
});

describe('traceHeadersOf', () => {
  it('given other headers only, when extracting, then the carrier is empty', () => {
    expect(traceHeadersOf(receivedHeaders())).toEqual({});
    expect(traceHeadersOf(undefined)).toEqual({});
  });
});
