import { z } from 'zod';
import { applicantKind, dossierStatus, type Territory } from '@aap/contracts';
import { applicantScope, callerOf, notFound, paginated, paginationQuery, skipOf, sortQuery, toMongoSort } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierDependencies } from './index';
import type { DossierDocument } from './dossier.model';
import { DOSSIER_READERS } from './dossier-access';
import { dossierView, toDossierView } from './views';

const filters = z.object({
  callId: z.string().optional(),
  waveId: z.string().optional(),
  status: dossierStatus.optional(),
  applicantKind: applicantKind.optional(),
  departement: z.string().max(3).optional(),
  region: z.string().max(3).optional(),
});

const STAFF = ['programme-manager', 'committee', 'finance', 'admin'] as const;

/** Mongo filter of the list routes; an applicant is always confined to its own organisation. */
function filterOf(query: z.infer<typeof filters>, scope: string | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({
      organisationId: scope,
      callId: query.callId,
      waveId: query.waveId,
      status: query.status,
      'applicant.kind': query.applicantKind,
      'applicant.territory.departements': query.departement,
      'applicant.territory.regions': query.region,
    }).filter(([, value]) => value !== undefined),
  );
}

const CSV_COLUMNS = [
  'number', 'status', 'organisationId', 'applicant', 'kind', 'departements', 'regions', 'title',
  'eligibleCostCents', 'requestedGrantCents', 'submittedAt', 'waveId', 'dossierId',
] as const;

/** RFC 4180 field: quoted when it holds a separator, a quote or a line break; formulas neutralised. */
function csvField(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@]/.test(text) && !/^-?\d/.test(text)) text = `'${text}`; // no spreadsheet formula injection
  return /[",;\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function registerQueryRoutes(context: ServiceContext, { Dossier, calls }: DossierDependencies): void {
  const { http } = context;

  http.get(
    '/dossiers',
    {
      config: { access: { roles: DOSSIER_READERS } },
      schema: {
        tags: ['dossiers'],
        summary: 'List dossiers (an applicant sees its own organisation’s only)',
        querystring: paginationQuery.extend(filters.shape).extend({
          sort: sortQuery(['updatedAt', 'submittedAt', 'number', 'createdAt'], '-updatedAt'),
        }),
        response: { 200: paginated(dossierView) },
      },
    },
    async (request) => {
      const { page, pageSize, sort, ...query } = request.query;
      const filter = filterOf(query, applicantScope(callerOf(request)));
      const [items, total] = await Promise.all([
        Dossier.find(filter).sort(toMongoSort(sort)).skip(skipOf({ page, pageSize })).limit(pageSize).lean<DossierDocument[]>(),
        Dossier.countDocuments(filter),
      ]);
      return { items: items.map(toDossierView), page, pageSize, total };
    },
  );

  const callParams = z.object({ callId: z.string().min(1) });

  http.get(
    '/calls/:callId/dossiers.csv',
    {
      config: { access: { roles: STAFF } },
      schema: {
        tags: ['dossiers'],
        summary: 'CSV export of a call’s dossiers (UTF-8 with BOM, comma-separated, amounts in cents)',
        params: callParams,
        querystring: filters.omit({ callId: true }),
      },
    },
    async (request, reply) => {
      if (!(await calls.get(request.params.callId))) throw notFound(`Call ${request.params.callId}`);
      const filter = filterOf({ ...request.query, callId: request.params.callId }, undefined);
      const lines = [CSV_COLUMNS.join(',')];
      // A cursor: an export of thousands of dossiers never sits in memory as documents.
      for await (const d of Dossier.find(filter).sort({ number: 1, _id: 1 }).lean<DossierDocument>().cursor()) {
        const territory: Partial<Territory> = d.applicant?.territory ?? {};
        lines.push(
          [
            d.number, d.status, d.organisationId, d.applicant?.name, d.applicant?.kind, territory.departements?.join(' '),
            territory.regions?.join(' '), d.project?.title, d.budget?.eligibleCostCents, d.budget?.requestedGrantCents,
            d.submittedAt && new Date(d.submittedAt).toISOString(), d.waveId, d._id,
          ].map(csvField).join(','),
        );
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="dossiers-${request.params.callId}.csv"`)
        .send(`\uFEFF${lines.join('\r\n')}\r\n`);
    },
  );

  const counts = z.record(z.string(), z.number().int());
  http.get(
    '/calls/:callId/dossier-counts',
    {
      config: { access: { roles: STAFF } },
      schema: {
        tags: ['dossiers'],
        summary: 'Per-call counts of dossiers by status, département and région',
        params: callParams,
        response: { 200: z.object({ callId: z.string(), total: z.number().int(), byStatus: counts, byDepartement: counts, byRegion: counts }) },
      },
    },
    async (request) => {
      const { callId } = request.params;
      if (!(await calls.get(callId))) throw notFound(`Call ${callId}`);
      const byStatus: Record<string, number> = {};
      const byDepartement: Record<string, number> = {};
      const byRegion: Record<string, number> = {};
      const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);
      let total = 0;
      // Counted in code: FerretDB has $group/$sum but not over unwound arrays reliably, and a call has thousands, not millions.
      for await (const d of Dossier.find({ callId }).select({ status: 1, 'applicant.territory': 1 }).lean<DossierDocument>().cursor()) {
        total++;
        bump(byStatus, d.status);
        for (const code of d.applicant?.territory.departements ?? []) bump(byDepartement, code);
        for (const code of d.applicant?.territory.regions ?? []) bump(byRegion, code);
      }
      return { callId, total, byStatus, byDepartement, byRegion };
    },
  );
}
