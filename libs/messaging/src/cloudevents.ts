import type { IHeaders, Message } from 'kafkajs';
import type { EventEnvelope } from '@aap/contracts';

/**
 * CloudEvents 1.0 Kafka protocol binding, binary content mode:
 * attributes in `ce_<name>` headers, `content-type` header, data as the message value, key = subject.
 */
export function toKafkaMessage(envelope: EventEnvelope, traceHeaders: Record<string, string> = {}): Message {
  const headers: Record<string, string> = {
    ce_specversion: envelope.specversion,
    ce_id: envelope.id,
    ce_type: envelope.type,
    ce_source: envelope.source,
    ce_time: envelope.time,
    ce_subject: envelope.subject,
    ce_correlationid: envelope.correlationid,
    'content-type': envelope.datacontenttype,
    ...traceHeaders,
  };
  if (envelope.causationid) headers.ce_causationid = envelope.causationid;
  return { key: envelope.subject, value: JSON.stringify(envelope.data), headers };
}

export class MalformedEventError extends Error {
  override name = 'MalformedEventError';
}

export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || value === null) return undefined;
  const single = Array.isArray(value) ? value[0] : value;
  return single === undefined ? undefined : single.toString();
}

/** Reads the envelope back; `data` is the parsed JSON, not yet validated against its schema. */
export function fromKafkaMessage(message: { headers?: IHeaders; value: Buffer | null }): EventEnvelope<unknown> {
  const get = (name: string) => headerString(message.headers, name);
  const missing = ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_subject'].filter((h) => !get(h));
  if (missing.length > 0) throw new MalformedEventError(`missing CloudEvents header(s): ${missing.join(', ')}`);
  if (get('ce_specversion') !== '1.0') throw new MalformedEventError(`unsupported ce_specversion ${get('ce_specversion')}`);
  const contentType = get('content-type') ?? 'application/json';
  if (!contentType.startsWith('application/json')) throw new MalformedEventError(`unsupported content-type ${contentType}`);
  if (!message.value || message.value.length === 0) throw new MalformedEventError('empty message value');
  let data: unknown;
  try {
    data = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    throw new MalformedEventError(`value is not JSON: ${(error as Error).message}`);
  }
  return {
    specversion: '1.0',
    id: get('ce_id')!,
    type: get('ce_type')!,
    source: get('ce_source')!,
    subject: get('ce_subject')!,
    time: get('ce_time')!,
    datacontenttype: 'application/json',
    correlationid: get('ce_correlationid') ?? get('ce_id')!,
    causationid: get('ce_causationid'),
    data,
  };
}

export function traceHeadersOf(headers: IHeaders | undefined): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate']) {
    const value = headerString(headers, name);
    if (value) carrier[name] = value;
  }
  return carrier;
}
