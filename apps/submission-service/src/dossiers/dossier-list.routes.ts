import { z } from 'zod';
import { applicantKind, dossierStatus, TEAM_ROLES } from '@aap/contracts';
import { applicantScope, callerOf, paginate, paginated, paginationQuery, policies, ROLE_SETS, sortQuery, type Caller } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierPorts } from './dossier.routes';
import type { DossierDocument, DossierStore } from './dossier.store';
import { dossierView, toDossierView } from './dossier.views';

const filters = z.object({
  callId: z.string().max(100).optional(),
  waveId: z.string().max(100).optional(),
  status: dossierStatus.optional(),
  applicantKind: applicantKind.optional(),
  departement: z.string().max(3).optional(),
  region: z.string().max(3).optional(),
});

/** Mongo filter of the list routes (equalities on indexed fields); an applicant is always confined to its own organisation. */
function filterOf(query: z.infer<typeof filters>, caller: Caller | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({
      callId: query.callId,
      waveId: query.waveId,
      status: query.status,
      'applicant.kind': query.applicantKind,
      'applicant.territory.departements': query.departement,
      'applicant.territory.regions': query.region,
      ...(caller ? policies.organisationFilter(caller) : {}),
    }).filter(([, value]) => value !== undefined),
  );
}

export function registerDossierListRoutes(context: ServiceContext, store: DossierStore, { calls }: DossierPorts): void {
  const { http } = context;
  const Dossier = store.model;

  /**
   * The calls whose dossiers a staff caller lists (undefined: every call — an admin, or an applicant
   * confined to its organisation): one it names must be its team's (else 404, as for a call that does
   * not exist), and without one the calls of its teams.
   */
  async function callsListedFor(caller: Caller, callId: string | undefined): Promise<string | { $in: string[] } | undefined> {
    if (applicantScope(caller) !== undefined || caller.roles.includes('admin')) return callId;
    if (callId) {
      policies.onCallTeam(caller, await calls.get(callId), `Call ${callId}`);
      return callId;
    }
    return { $in: await calls.idsOnTeam(caller.userId, TEAM_ROLES.filter((role) => caller.roles.includes(role))) };
  }

  http.get(
    '/dossiers',
    {
      // Not reviewers: they read only the dossiers assigned to them, one by one (their work queue is the evaluation service's).
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: {
        tags: ['dossiers'],
        summary: 'List dossiers (an applicant sees its own organisation’s only; staff the dossiers of their teams’ calls)',
        querystring: paginationQuery.extend(filters.shape).extend({
          sort: sortQuery(['updatedAt', 'submittedAt', 'number', 'createdAt'], '-updatedAt'),
        }),
        response: { 200: paginated(dossierView) },
      },
    },
    async (request) => {
      const { page, pageSize, sort, ...query } = request.query;
      const caller = callerOf(request);
      const callId = await callsListedFor(caller, query.callId);
      const filter = { ...filterOf({ ...query, callId: undefined }, caller), ...(callId ? { callId } : {}) };
      return paginate(Dossier, filter, { page, pageSize, sort }, (d) => toDossierView(store.toState(d)), { count: true });
    },
  );

  const callParams = z.object({ callId: z.string().min(1).max(100) });

  const counts = z.record(z.string(), z.number().int());
  http.get(
    '/calls/:callId/dossier-counts',
    {
      config: { access: { roles: ROLE_SETS.callOversight } },
      schema: {
        tags: ['dossiers'],
        summary: 'Per-call counts of dossiers by status, département and région',
        params: callParams,
        response: { 200: z.object({ callId: z.string(), total: z.number().int(), byStatus: counts, byDepartement: counts, byRegion: counts }) },
      },
    },
    async (request) => {
      const { callId } = request.params;
      policies.onCallTeam(callerOf(request), await calls.get(callId), `Call ${callId}`);
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
