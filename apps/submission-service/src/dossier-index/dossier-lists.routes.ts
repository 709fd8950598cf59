import { z } from 'zod';
import { applicantKind, dossierStatus, TEAM_ROLES } from '@aap/contracts';
import { applicantScope, callerOf, invalidRequest, paginate, paginated, paginationQuery, policies, ROLE_SETS, sortQuery, type Caller } from '@aap/http';
import type { ServiceContext } from '@aap/service-runtime';
import type { DossierPorts } from '../dossiers';
import type { DossierDocument, DossierStore } from '../dossiers/dossier.store';
import { dossierView, toDossierView } from '../dossiers/dossier.views';
import { rowOf } from './dossier-lines';
import { countRows, queryRows, searchWords, toRowView } from './dossier-queries';
import type { DossierIndex, DossierRow } from './dossier-row';
import { dossierCountsView, dossierRowView } from './dossier-list.views';

/** What the lists read: the index's rows, the dossiers themselves (full views, an applicant's own), the calls' teams. */
export interface DossierListPorts {
  index: Pick<DossierIndex, 'rowsOfCall'>;
  dossiers: Pick<DossierStore, 'get' | 'model' | 'toState'>;
  calls: Pick<DossierPorts['calls'], 'get' | 'idsOnTeam'>;
}

const tags = ['dossiers'];
const callParams = z.object({ callId: z.string().min(1).max(100) });

const filters = z.object({
  status: dossierStatus.optional(),
  waveId: z.string().max(100).optional(),
  departement: z.string().max(3).optional(),
  region: z.string().max(3).optional(),
  applicantKind: applicantKind.optional(),
});
const searchText = z
  .string()
  .min(1, { abort: true })
  .max(100)
  .refine((q) => searchWords(q).length > 0, 'must hold a letter or a digit')
  .describe('Words, each the start of a word of the number, the SIREN/SIRET, the applicant’s name or the title (accents and case ignored)');
/** The staff list's filters, as its exports take them too. */
export const dossierFilterQuery = filters.extend({
  includeDrafts: z.enum(['true', 'false']).transform((flag) => flag === 'true').optional().describe('Drafts are hidden unless true (or status=draft)'),
});
const listQuery = paginationQuery.extend(dossierFilterQuery.shape).extend({
  q: searchText.optional(),
  sort: sortQuery(['number', 'submittedAt', 'requestedGrantCents'], 'number'),
});

/** An admin names the call it searches: admins are on no team, and every call at once is not a search. */
const callIdRequired = () => invalidRequest([{ in: 'query', name: 'callId', pointer: '#/callId', detail: 'is required for an admin: a search is within one call' }]);

export function registerDossierListRoutes(context: ServiceContext, { index, dossiers, calls }: DossierListPorts): void {
  const { http } = context;

  /** The calls a staff caller reads the dossiers of: the one it names if it is on its team (else the 404 of a call that does not exist), or its teams' calls. */
  async function teamCalls(caller: Caller, callId: string | undefined): Promise<string[]> {
    if (callId !== undefined) {
      policies.onCallTeam(caller, await calls.get(callId), `Call ${callId}`);
      return [callId];
    }
    return calls.idsOnTeam(caller.userId, TEAM_ROLES.filter((role) => caller.roles.includes(role)));
  }

  /** The rows of these calls; one call's as the index hands them (the same array until a row changes: its sorted copies are kept). */
  async function rowsOf(callIds: readonly string[]): Promise<readonly DossierRow[]> {
    if (callIds.length === 1) return index.rowsOfCall(callIds[0]!);
    return (await Promise.all(callIds.map((callId) => index.rowsOfCall(callId)))).flat();
  }

  /** One call's rows once the caller passed its team check (both read side by side: the rows are shown only after it). */
  async function rowsOfTeamCall(caller: Caller, callId: string): Promise<readonly DossierRow[]> {
    const [call, rows] = await Promise.all([calls.get(callId), index.rowsOfCall(callId)]);
    policies.onCallTeam(caller, call, `Call ${callId}`);
    return rows;
  }

  /** An applicant's own dossiers as rows, read from the collection by its organisation (an equality on an indexed field; an organisation has a few). */
  async function rowsOfOrganisation(organisationId: string, callId: string | undefined): Promise<DossierRow[]> {
    const documents = await dossiers.model.find({ organisationId, ...(callId !== undefined ? { callId } : {}) }).lean<DossierDocument[]>();
    return documents.map((document) => rowOf(dossiers.toState(document)));
  }

  http.get(
    '/calls/:callId/dossiers',
    {
      config: { access: { roles: ROLE_SETS.callOversight } },
      schema: {
        operationId: 'listCallDossiers',
        tags,
        summary: 'The dossiers of a call, filtered, searched, sorted and paged (from the staff lists’ index)',
        params: callParams,
        querystring: listQuery,
        response: { 200: paginated(dossierRowView) },
      },
    },
    async (request) => {
      const page = queryRows(await rowsOfTeamCall(callerOf(request), request.params.callId), request.query);
      return { ...page, items: page.items.map(toRowView) };
    },
  );

  http.get(
    '/dossiers/search',
    {
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: {
        operationId: 'searchDossiers',
        tags,
        summary: 'Search dossiers by number, SIREN/SIRET, applicant name or title (staff: their teams’ calls, or the one named — required for admins; an applicant: its organisation’s, drafts included)',
        querystring: paginationQuery.extend({ q: searchText, callId: z.string().min(1).max(100).optional() }),
        response: { 200: paginated(dossierRowView) },
      },
    },
    async (request) => {
      const { q, callId, page, pageSize } = request.query;
      const caller = callerOf(request);
      const organisationId = applicantScope(caller);
      if (organisationId === undefined && callId === undefined && caller.roles.includes('admin')) throw callIdRequired();
      const found =
        organisationId !== undefined
          ? queryRows(await rowsOfOrganisation(organisationId, callId), { q, organisationId, includeDrafts: true, page, pageSize })
          : queryRows(await rowsOf(await teamCalls(caller, callId)), { q, page, pageSize });
      return { ...found, items: found.items.map(toRowView) };
    },
  );

  http.get(
    '/calls/:callId/dossier-counts',
    {
      config: { access: { roles: ROLE_SETS.callOversight } },
      schema: {
        operationId: 'countCallDossiers',
        tags,
        summary: 'A call’s counts: dossiers by status, département, région and applicant kind, grants requested and given (drafts counted apart)',
        params: callParams,
        response: { 200: dossierCountsView },
      },
    },
    async (request) => {
      const { callId } = request.params;
      return { callId, ...countRows(await rowsOfTeamCall(callerOf(request), callId)) };
    },
  );

  /** The collection's filter of a list (equalities on indexed fields). */
  const collectionFilter = (query: z.infer<typeof filters> & { callId?: string }) =>
    Object.fromEntries(
      Object.entries({
        callId: query.callId,
        waveId: query.waveId,
        status: query.status,
        'applicant.kind': query.applicantKind,
        'applicant.territory.departements': query.departement,
        'applicant.territory.regions': query.region,
      }).filter(([, value]) => value !== undefined),
    );

  http.get(
    '/dossiers',
    {
      // Not reviewers: they read only the dossiers assigned to them, one by one (their work queue is the evaluation service's).
      config: { access: { roles: ROLE_SETS.applicantsAndOversight } },
      schema: {
        operationId: 'listDossiers',
        tags,
        summary: 'List dossiers (an applicant sees its own organisation’s only; staff the dossiers of their teams’ calls, drafts included)',
        querystring: paginationQuery.extend(filters.shape).extend({
          callId: z.string().max(100).optional(),
          sort: sortQuery(['updatedAt', 'submittedAt', 'number', 'createdAt'], '-updatedAt'),
        }),
        response: { 200: paginated(dossierView) },
      },
    },
    async (request) => {
      const { page, pageSize, sort, ...query } = request.query;
      const caller = callerOf(request);
      const organisationId = applicantScope(caller);
      const toView = (document: DossierDocument) => toDossierView(dossiers.toState(document));
      if (organisationId !== undefined) {
        return paginate(dossiers.model, { ...collectionFilter(query), organisationId }, { page, pageSize, sort }, toView, { count: true });
      }
      // An admin is on no team and sees every call: without a call named, the collection answers, as before the index.
      if (query.callId === undefined && caller.roles.includes('admin')) {
        return paginate(dossiers.model, collectionFilter(query), { page, pageSize, sort }, toView, { count: true });
      }
      // Staff: the page's rows from the index, then each dossier's full view read by `_id`, side by side.
      const rows = queryRows(await rowsOf(await teamCalls(caller, query.callId)), { ...query, includeDrafts: true, sort, page, pageSize });
      const found = await Promise.all(rows.items.map((row) => dossiers.get(row.dossierId)));
      return { ...rows, items: found.flatMap((dossier) => (dossier ? [toDossierView(dossier)] : [])) };
    },
  );
}
