/**
 * CloudEvents 1.0 attributes of an event, plus the correlation/causation extensions.
 * On Kafka they travel in binary mode: `ce_<attribute>` headers and the JSON `data` as the value.
 */
export interface EventEnvelope<Data = unknown> {
  specversion: '1.0';
  id: string;
  type: string;
  /** URI-reference of the producing service, e.g. `/aap/submission`. */
  source: string;
  /** The aggregate id (also the Kafka key). */
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  /** Id shared by every event of one business flow (the first event's id when nothing else is given). */
  correlationid: string;
  /** Id of the event (or request) that caused this one. */
  causationid?: string;
  data: Data;
}

export function sourceOf(service: string): string {
  return `/aap/${service}`;
}
