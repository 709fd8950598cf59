import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  CALL_STATUSES,
  callRules,
  callSnapshot,
  callStatus,
  callTeam,
  isoDateTime,
  TEAM_ROLES,
  wave,
  wrongStatus,
  type CallSnapshot,
  type CallStatus,
  type Decision,
  type TeamRole,
} from '@aap/contracts';
import { callerOf, HttpProblem, notFound, paginated, paginationQuery, policies, ROLE_SETS, sortQuery, type Caller, COMMAND_REFUSALS } from '@aap/http';
import { acceptedOrThrow, type ServiceContext } from '@aap/service-runtime';
import {
  addTeamMember,
  closeCall,
  createCall,
  editCall,
  extendCall,
  parisTime,
  publishCall,
  removeTeamMember,
  reopenCall,
  TEAM_MANAGED_BY_CREATOR,
  teamOf,
  unpublishCall,
  type CallState,
  type TeamChange,
} from './call';
import type { CallStore, TeamScope } from './call.store';

/** What applicants and the other staff roles may see: never a draft nor a withdrawn call. */
const PUBLIC_STATUSES: readonly CallStatus[] = ['published', 'closed'];

const isAdmin = (caller: Caller) => caller.roles.includes('admin');
/** The team roles of a caller's token: such a caller (not an admin) reads only the calls of its teams. */
const teamRolesOfToken = (caller: Caller): TeamRole[] => TEAM_ROLES.filter((role) => caller.roles.includes(role));
/** A team's programme managers see its drafts and withdrawn calls too; its other members what applicants see. */
const statusesFor = (role: TeamRole): readonly CallStatus[] => (role === 'programme-manager' ? CALL_STATUSES : PUBLIC_STATUSES);

/** The list scope of a staff caller that is not an admin: the calls of its teams (undefined: applicants, reviewers and admins). */
function teamScopeOf(caller: Caller): TeamScope | undefined {
  const roles = teamRolesOfToken(caller);
  if (isAdmin(caller) || roles.length === 0) return undefined;
  return { member: caller.userId, statusesByRole: Object.fromEntries(roles.map((role) => [role, statusesFor(role)])) };
}

/**
 * Whether the caller may see this call: an admin every call; a caller holding a team role (issue 16)
 * the calls of its teams — a draft or withdrawn one as their programme manager only —, else the 404
 * of a call that does not exist; applicants and reviewers the published and closed calls.
 */
function visibleTo(caller: Caller, call: CallSnapshot | null, what: string): CallSnapshot {
  if (call && isAdmin(caller)) return call;
  if (teamRolesOfToken(caller).length > 0) {
    policies.onCallTeam(caller, call, what);
    const held = policies.teamRolesOn(caller, call) as TeamRole[];
    if (!held.some((role) => statusesFor(role).includes(call!.status))) throw notFound(what);
    return call!;
  }
  // Not 403: whether an unpublished call exists is itself not for applicants to know.
  if (!call || !PUBLIC_STATUSES.includes(call.status)) throw notFound(what);
  return call;
}

/** The call's team as its routes answer it. */
export const teamView = z.object({
  callId: z.string(),
  createdBy: z.string().optional().describe('The programme manager who created the call: with admins, the only one who changes its team'),
  team: callTeam,
});
export type TeamView = z.infer<typeof teamView>;
const toTeamView = (call: CallState): TeamView => ({
  callId: call.callId,
  ...(call.createdBy ? { createdBy: call.createdBy } : {}),
  team: teamOf(call),
});

/** The call with its times also in Europe/Paris local time, so "end of day" is never ambiguous. */
export const callView = callSnapshot.extend({
  closesAtParis: z.string().describe('closesAt in Europe/Paris local time, e.g. "mardi 31 mars 2026 à 23:59:59 UTC+2"'),
  waves: z.array(wave.extend({ opensAtParis: z.string(), closesAtParis: z.string() })),
});
export type CallView = z.infer<typeof callView>;

/** The call as a caller sees it; its team (staff identities) only for its team and admins, not for applicants and reviewers. */
export const toView = (call: CallSnapshot, caller?: Caller): CallView => {
  const { team, ...rest } = call;
  const withTeam = team && (!caller || policies.teamRolesOn(caller, call).length > 0);
  return viewOf(withTeam ? { ...rest, team } : rest);
};
const viewOf = (call: CallSnapshot): CallView => ({
  ...call,
  closesAtParis: parisTime(call.closesAt),
  waves: call.waves.map((w) => ({ ...w, opensAtParis: parisTime(w.opensAt), closesAtParis: parisTime(w.closesAt) })),
});

const params = z.object({ callId: z.string().max(100).regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'a call id: lower-case letters, digits and -') });
const teamParams = params.extend({
  role: z.enum(TEAM_ROLES).describe('The team role: programme-manager, committee or finance'),
  member: z.string().min(1).max(200).describe("The member's identity: the `sub` of their token"),
});
const closingTimeChange = z.object({
  closesAt: isoDateTime.describe('New closing instant of the last wave, with its offset (e.g. 2026-04-30T23:59:59+02:00)'),
  reason: z.string().max(2_000).optional().describe('Required (rule reason-required): why the closing time changes'),
});

/** A readable, unguessable id: the title's slug and a random suffix, e.g. `pass-numerique-2026-3f9a2c`. */
function newCallId(title: string): string {
  const slug = title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60)
    .replace(/^-+|-+$/g, '');
  return `${slug || 'call'}-${randomBytes(3).toString('hex')}`;
}

export function registerCallRoutes(context: ServiceContext, store: CallStore): void {
  const { http } = context;
  const tags = ['calls'];

  /**
   * Runs a command of the call's programme managers on an existing call through the command handler
   * (decided on the stored call: the caller must be one of its team's programme managers, or an
   * admin); a refusal is its problem, the answer the call as stored.
   */
  async function managed(caller: Caller, callId: string, decide: (call: CallState) => Decision<CallState>): Promise<CallState> {
    const what = `Call ${callId}`;
    const handled = await store.commands.handleExisting(callId, (call) => {
      policies.onCallTeam(caller, call, what, ['programme-manager']);
      return decide(call);
    });
    if (!handled) throw notFound(what);
    const refusal = handled.decision.outcome === 'refused' ? handled.decision.violations.find((v) => v.name === TEAM_MANAGED_BY_CREATOR) : undefined;
    if (refusal) throw new HttpProblem(403, 'forbidden', 'Forbidden', refusal.detail, [{ name: refusal.name, in: 'rule', detail: refusal.detail }]);
    acceptedOrThrow(handled.decision, 'call');
    return handled.after!;
  }
  const transition = async (request: FastifyRequestWithCall, decide: (call: CallState) => Decision<CallState>): Promise<CallView> =>
    toView(await managed(callerOf(request), request.params.callId, decide));

  http.post(
    '/calls',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: { operationId: 'createCall', tags, summary: 'Create a draft call', body: callRules, response: { 201: callView } },
    },
    async (request, reply) => {
      const callId = newCallId(request.body.title);
      const handled = await store.commands.handle(callId, (existing) =>
        existing ? wrongStatus(existing.status, `call ${callId} exists already: create it again`) : createCall({ callId, rules: request.body, by: callerOf(request).userId }),
      );
      acceptedOrThrow(handled.decision, 'call');
      const call = handled.after!;
      return reply.status(201).header('location', `/calls/${call.callId}`).send(toView(call));
    },
  );

  http.put(
    '/calls/:callId',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: { operationId: 'updateCall', tags, summary: 'Replace the rules of a draft call', params, body: callRules, response: { 200: callView } },
    },
    async (request) => transition(request, (call) => editCall(call, request.body)),
  );

  http.post(
    '/calls/:callId/publish',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: { operationId: 'publishCall', tags, summary: 'Publish a draft call (its closing time must be in the future)', params, response: { 200: callView } },
    },
    async (request) => transition(request, (call) => publishCall(call, new Date())),
  );

  http.post(
    '/calls/:callId/close',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'closeCall',
        tags,
        summary: 'Close a published call now',
        params,
        body: z.object({ note: z.string().max(2_000).optional() }),
        response: { 200: callView },
      },
    },
    async (request) => transition(request, (call) => closeCall(call, request.body, new Date())),
  );

  http.post(
    '/calls/:callId/extend',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: { operationId: 'extendCall', tags, summary: "Move a published call's closing time (its last wave's) later", params, body: closingTimeChange, response: { 200: callView } },
    },
    async (request) => transition(request, (call) => extendCall(call, request.body, new Date())),
  );

  http.post(
    '/calls/:callId/reopen',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: { operationId: 'reopenCall', tags, summary: 'Publish a closed call again with a later closing time', params, body: closingTimeChange, response: { 200: callView } },
    },
    async (request) => transition(request, (call) => reopenCall(call, request.body, new Date())),
  );

  http.post(
    '/calls/:callId/unpublish',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'unpublishCall',
        tags,
        summary: 'Withdraw a published call from publication',
        params,
        body: z.object({ reason: z.string().max(2_000).optional() }),
        response: { 200: callView },
      },
    },
    async (request) => transition(request, (call) => unpublishCall(call, request.body)),
  );

  http.get(
    '/calls',
    {
      config: { access: { roles: ROLE_SETS.everyone } },
      schema: {
        operationId: 'listCalls',
        tags,
        summary: 'List calls (staff: the calls of their teams; applicants and reviewers: published and closed calls)',
        description:
          'An admin sees every call; a programme manager, committee member or finance officer only the calls whose team names it ' +
          '(drafts and withdrawn calls as their programme manager only); applicants and reviewers the published and closed calls.',
        querystring: paginationQuery.extend({
          status: callStatus.optional(),
          programme: z.string().max(100).optional(),
          sort: sortQuery(['closesAt', 'publishedAt', 'title'] as const, 'closesAt'),
        }),
        response: { 200: paginated(callView) },
      },
    },
    async (request) => {
      const { status, programme, sort, page, pageSize } = request.query;
      const caller = callerOf(request);
      const team = teamScopeOf(caller);
      const visible = isAdmin(caller) || team ? CALL_STATUSES : PUBLIC_STATUSES;
      const calls = await store.list({
        statuses: visible.filter((s) => !status || s === status),
        ...(team ? { team } : {}),
        ...(programme ? { programme } : {}),
        sort,
        page,
        pageSize,
      });
      return { ...calls, items: calls.items.map((call) => toView(call, caller)) };
    },
  );

  http.get(
    '/calls/:callId',
    {
      config: { access: { roles: ROLE_SETS.everyone } },
      schema: { operationId: 'getCall', tags, summary: "One call (staff: their teams' calls only; a draft or unpublished call exists for its programme managers only)", params, response: { 200: callView } },
    },
    async (request) => {
      const caller = callerOf(request);
      return toView(visibleTo(caller, await store.get(request.params.callId), `Call ${request.params.callId}`), caller);
    },
  );

  http.get(
    '/calls/:callId/team',
    {
      config: { access: { roles: ROLE_SETS.callOversight } },
      schema: { operationId: 'getCallTeam', tags, summary: "The call's team: its programme managers, committee members and finance officers (a member of the team, or an admin)", params, response: { 200: teamView } },
    },
    async (request) => {
      const { callId } = request.params;
      const call = await store.state(callId);
      policies.onCallTeam(callerOf(request), call, `Call ${callId}`);
      return toTeamView(call!);
    },
  );

  const teamChangeOf = (request: { params: z.infer<typeof teamParams> } & Parameters<typeof callerOf>[0]): TeamChange => {
    const caller = callerOf(request);
    return { role: request.params.role, member: request.params.member, by: { userId: caller.userId, admin: isAdmin(caller) } };
  };
  const teamChangeDescription =
    'Only the call’s creator or an admin changes its team (rule team-managed-by-creator, 403); another programme manager of another call gets 404. ' +
    'Idempotent: a member already there (or already gone) changes nothing. Once the call has been published, the change is published as `call.team-changed`, ' +
    'so the other services’ copies of the call follow.';

  http.put(
    '/calls/:callId/team/:role/:member',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: { operationId: 'addCallTeamMember', tags, summary: "Put a person (their token's sub) on the call's team under a role", description: teamChangeDescription, params: teamParams, response: { 200: teamView } },
    },
    async (request) => toTeamView(await managed(callerOf(request), request.params.callId, (call) => addTeamMember(call, teamChangeOf(request)))),
  );

  http.delete(
    '/calls/:callId/team/:role/:member',
    {
      config: { access: { roles: ROLE_SETS.managers }, problems: COMMAND_REFUSALS },
      schema: {
        operationId: 'removeCallTeamMember',
        tags,
        summary: "Take a person off the call's team under a role (a call always keeps one programme manager: rule last-programme-manager)",
        description: teamChangeDescription,
        params: teamParams,
        response: { 200: teamView },
      },
    },
    async (request) => toTeamView(await managed(callerOf(request), request.params.callId, (call) => removeTeamMember(call, teamChangeOf(request)))),
  );
}

type FastifyRequestWithCall = { params: { callId: string } } & Parameters<typeof callerOf>[0];
