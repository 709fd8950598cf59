import { z } from 'zod';
import { applicantScope, callerOf, CSV_MEDIA_TYPE, fileAnswer, notFound, policies, ROLE_SETS, sendCsv, type CsvColumn, type HttpServer } from '@aap/http';
import type { CallCopies } from '@aap/service-runtime/call-copies';
import type { TimelineEntry, TimelineProjection } from './timeline.projection';
import { applicantDetails, summaryOf } from './timeline.views';

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

export function timelineRoutes(http: HttpServer, timeline: TimelineProjection, calls: Pick<CallCopies, 'get'>): void {
  /**
   * The entries of a dossier the caller may read, or 404: an applicant its own organisation's
   * dossiers; staff the dossiers of their teams' calls (this service's copy of the call), an admin every one.
   */
  const timelineFor = async (request: { params: { dossierId: string }; query: { view?: 'applicant' | 'staff' } } & Parameters<typeof callerOf>[0]) => {
    const { dossierId } = request.params;
    const caller = callerOf(request);
    // An oversight role sees the staff view of its teams' dossiers; any other caller (an applicant, also one
    // holding a reviewer role) its own organisation's dossiers, in the applicant view.
    const applicantView = applicantScope(caller) !== undefined;
    // The dossier's own entries carry its reference: who owns it, its number and call.
    const dossier = await timeline.anyOf(dossierId);
    if (applicantView) policies.ownOrganisation(caller, dossier?.organisationId, `Dossier ${dossierId}`);
    if (!dossier) throw notFound(`Dossier ${dossierId}`);
    const callId = dossier.callId;
    if (!applicantView && !caller.roles.includes('admin')) policies.onCallTeam(caller, callId ? await calls.get(callId) : null, `Dossier ${dossierId}`);
    const [own, ofCall] = await Promise.all([
      timeline.ofDossier(dossierId),
      callId ? timeline.ofCall(callId) : [],
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

  http.get(
    '/dossiers/:dossierId/timeline',
    {
      // Not reviewers: they read the history of their assigned dossiers in the submission service.
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: {
        operationId: 'getDossierTimeline',
        tags: ['timeline'],
        summary: 'Every step of a dossier’s history, oldest first, from every service (an applicant: its own dossiers, applicant view; staff: their teams’ calls’ dossiers)',
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

  http.get(
    '/dossiers/:dossierId/timeline.csv',
    {
      // Not reviewers: they read the history of their assigned dossiers in the submission service.
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: {
        operationId: 'exportDossierTimelineCsv',
        tags: ['timeline'],
        summary: 'The timeline of a dossier as CSV (UTF-8 with BOM, comma-separated; details as JSON)',
        params,
        querystring: query,
        response: { 200: fileAnswer(CSV_MEDIA_TYPE, 'The timeline') },
      },
    },
    async (request, reply) => {
      const timeline = await timelineFor(request);
      return sendCsv(reply, `timeline-${timeline.number ?? timeline.dossierId}.csv`, timeline.entries, timelineCsvColumns);
    },
  );
}
