import { Schema, type Model } from 'mongoose';
import { z } from 'zod';
import { callEvents, dossierEvents, type DossierEventReference, type EventEnvelope } from '@aap/contracts';
import { applicantScope, callerOf, notFound, policies, ROLE_SETS, sendCsv, type CsvColumn } from '@aap/http';
import { insertOnce, type ServiceContext } from '@aap/service-runtime';
import { applicantDetails, summaryOf } from './views';

/**
 * The per-dossier timeline: every lifecycle event of a dossier, from every service that published
 * about it (submission, evaluation, later funding-award), plus the events of its call, in the order
 * they happened. Entries are keyed by event id: a redelivered event changes nothing.
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

const entryView = z.object({
  eventId: z.string(),
  type: z.string(),
  source: z.string(),
  occurredAt: z.string(),
  summary: z.string(),
  details: z.record(z.string(), z.unknown()),
  correlationId: z.string().optional(),
  causationId: z.string().optional(),
});

const timelineView = z.object({
  dossierId: z.string(),
  number: z.string().optional(),
  organisationId: z.string().optional(),
  callId: z.string().optional(),
  view: z.enum(['applicant', 'staff']),
  entries: z.array(entryView),
});

const params = z.object({ dossierId: z.string().min(1).max(100) });
const query = z.object({
  view: z.enum(['applicant', 'staff']).optional().describe('staff only: `applicant` shows exactly what the applicant sees'),
});

function toEntryView(entry: TimelineEntry, view: 'applicant' | 'staff'): z.infer<typeof entryView> {
  const common = {
    eventId: entry._id,
    type: entry.type,
    source: entry.source,
    occurredAt: new Date(entry.occurredAt).toISOString(),
    summary: summaryOf(entry.type, entry.data),
  };
  if (view === 'applicant') return { ...common, details: applicantDetails(entry.type, entry.data) };
  return {
    ...common,
    details: (entry.data ?? {}) as Record<string, unknown>,
    correlationId: entry.correlationId,
    ...(entry.causationId ? { causationId: entry.causationId } : {}),
  };
}

const timelineCsvColumns: CsvColumn<z.infer<typeof entryView>>[] = [
  { header: 'occurredAt', value: (entry) => entry.occurredAt },
  { header: 'source', value: (entry) => entry.source },
  { header: 'type', value: (entry) => entry.type },
  { header: 'summary', value: (entry) => entry.summary },
  { header: 'details', value: (entry) => entry.details },
  { header: 'eventId', value: (entry) => entry.eventId },
];

export function registerTimeline(context: ServiceContext): Model<TimelineEntry> {
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
    { collection: 'timeline', versionKey: false, minimize: false },
  );
  schema.index({ dossierId: 1, occurredAt: 1 });
  schema.index({ callId: 1, scope: 1, occurredAt: 1 });
  const Timeline = context.db.model<TimelineEntry>('TimelineEntry', schema);

  const record = async (event: EventEnvelope, scope: TimelineEntry['scope']) => {
    const reference = scope === 'dossier' ? (event.data as DossierEventReference) : undefined;
    const callId = reference?.callId ?? (event.data as { call?: { callId?: string } }).call?.callId;
    await insertOnce(Timeline, {
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
      recordedAt: new Date(),
    });
  };
  for (const definition of dossierEvents) context.consumer.on(definition, (event) => record(event, 'dossier'));
  for (const definition of callEvents) context.consumer.on(definition, (event) => record(event, 'call'));

  /** The entries of a dossier the caller may read, or 404 (an applicant: its own organisation's dossiers only). */
  const timelineFor = async (request: { params: { dossierId: string }; query: { view?: 'applicant' | 'staff' } } & Parameters<typeof callerOf>[0]) => {
    const { dossierId } = request.params;
    const caller = callerOf(request);
    // An oversight role sees the staff view of every dossier; any other caller (an applicant, also one
    // holding a reviewer role) its own organisation's dossiers, in the applicant view.
    const applicantView = applicantScope(caller) !== undefined;
    // The dossier's own entries carry its reference: who owns it, its number and call.
    const dossier = await Timeline.findOne({ dossierId }).lean<TimelineEntry>();
    if (applicantView) policies.ownOrganisation(caller, dossier?.organisationId, `Dossier ${dossierId}`);
    if (!dossier) throw notFound(`Dossier ${dossierId}`);
    const callId = dossier.callId;
    const [own, ofCall] = await Promise.all([
      Timeline.find({ dossierId }).lean<TimelineEntry[]>(),
      callId ? Timeline.find({ callId, scope: 'call' }).lean<TimelineEntry[]>() : [],
    ]);
    const entries = [...own, ...ofCall].sort((a, b) => +new Date(a.occurredAt) - +new Date(b.occurredAt) || a._id.localeCompare(b._id));
    const number = own.find((entry) => entry.number)?.number;
    const view: 'applicant' | 'staff' = applicantView ? 'applicant' : (request.query.view ?? 'staff');
    return {
      dossierId,
      ...(number ? { number } : {}),
      ...(dossier.organisationId ? { organisationId: dossier.organisationId } : {}),
      ...(callId ? { callId } : {}),
      view,
      entries: entries.map((entry) => toEntryView(entry, view)),
    };
  };

  context.http.get(
    '/dossiers/:dossierId/timeline',
    {
      // Not reviewers: they read the history of their assigned dossiers in the submission service.
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: {
        tags: ['timeline'],
        summary: 'Every step of a dossier’s history, oldest first, from every service (an applicant: its own dossiers, applicant view)',
        description:
          'The applicant view shows, per event type, only an allow-list of fields (no reviewer identity, internal comment or draft); ' +
          'the staff view shows every field of every event with its correlation and causation ids.',
        params,
        querystring: query,
        response: { 200: timelineView },
      },
    },
    async (request) => timelineFor(request),
  );

  context.http.get(
    '/dossiers/:dossierId/timeline.csv',
    {
      // Not reviewers: they read the history of their assigned dossiers in the submission service.
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: {
        tags: ['timeline'],
        summary: 'The timeline of a dossier as CSV (UTF-8 with BOM, comma-separated; details as JSON)',
        params,
        querystring: query,
      },
    },
    async (request, reply) => {
      const timeline = await timelineFor(request);
      return sendCsv(reply, `timeline-${timeline.number ?? timeline.dossierId}.csv`, timeline.entries, timelineCsvColumns);
    },
  );

  return Timeline;
}
