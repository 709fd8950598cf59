import { Schema } from 'mongoose';
import { awardEvents, dossierEvents, type DossierEventReference, type EventEnvelope } from '@aap/contracts';
import { insertEachOnce, type EventConsumer } from '@aap/messaging';
import { TIMELINE_CALL_EVENTS } from './timeline.views';
import type { ServiceContext } from '@aap/service-runtime';

/**
 * The per-dossier timeline: every lifecycle event of a dossier, from every service that published
 * about it (submission, evaluation, funding-award: an award's id is its dossier's, and every award
 * event carries the dossier reference), plus the events of its call, in the order
 * they happened. A read model kept from events: one entry per event, keyed by its id, so the same
 * event seen again changes nothing.
 */
export interface TimelineEntry {
  _id: string;
  /** `dossier`: about one dossier; `call`: about a call, shown in the timeline of each of its dossiers. */
  scope: 'dossier' | 'call';
  /** The dossier reference of a dossier event (every dossier.* event carries it). */
  dossierId?: string;
  number?: string;
  organisationId?: string;
  callId?: string;
  type: string;
  /** The publishing service (`submission`, `evaluation`…). */
  source: string;
  occurredAt: Date;
  data: unknown;
  correlationId: string;
  causationId?: string;
  recordedAt: Date;
}

/** The entry an event makes (pure). */
export function entryOf(event: EventEnvelope, scope: TimelineEntry['scope'], recordedAt: Date): TimelineEntry {
  const reference = scope === 'dossier' ? (event.data as DossierEventReference) : undefined;
  const callId = reference?.callId ?? (event.data as { call?: { callId?: string } }).call?.callId;
  return {
    _id: event.id,
    scope,
    ...(reference ? { dossierId: reference.dossierId, organisationId: reference.organisationId, ...(reference.number ? { number: reference.number } : {}) } : {}),
    ...(callId ? { callId } : {}),
    type: event.type,
    source: event.source.replace(/^\/aap\//, ''),
    occurredAt: new Date(event.time),
    data: event.data,
    correlationId: event.correlationid,
    ...(event.causationid ? { causationId: event.causationid } : {}),
    recordedAt,
  };
}

export function timelineProjection(context: ServiceContext) {
  const schema = new Schema<TimelineEntry>(
    {
      _id: String,
      scope: String,
      dossierId: String,
      number: String,
      organisationId: String,
      callId: String,
      type: String,
      source: String,
      occurredAt: Date,
      data: Schema.Types.Mixed,
      correlationId: String,
      causationId: String,
      recordedAt: Date,
    },
    { minimize: false },
  );
  schema.index({ dossierId: 1, occurredAt: 1 });
  schema.index({ callId: 1, scope: 1, occurredAt: 1 });
  const Timeline = context.model<TimelineEntry>('TimelineEntry', schema, { collection: 'timeline' });

  return {
    /** Keeps the entries from every dossier, award and call event, each applied once (its id is the event's). */
    subscribe(consumer: EventConsumer) {
      // A batch of events at a time: one unordered insert of their entries, each once.
      const apply = (scope: TimelineEntry['scope']) => async (events: EventEnvelope[]) => {
        const recordedAt = new Date();
        await insertEachOnce(Timeline.collection, events.map((event) => entryOf(event, scope, recordedAt)));
      };
      consumer.onBatch([...dossierEvents, ...awardEvents], apply('dossier'));
      consumer.onBatch(TIMELINE_CALL_EVENTS, apply('call'));
    },
    /** One entry of the dossier: who owns it, its number and call (an equality on the indexed dossierId). */
    anyOf: (dossierId: string) => Timeline.findOne({ dossierId }).lean<TimelineEntry>(),
    ofDossier: (dossierId: string) => Timeline.find({ dossierId }).lean<TimelineEntry[]>(),
    ofCall: (callId: string) => Timeline.find({ callId, scope: 'call' }).lean<TimelineEntry[]>(),
  };
}

export type TimelineProjection = ReturnType<typeof timelineProjection>;
