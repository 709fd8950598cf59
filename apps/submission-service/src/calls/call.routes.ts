import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CALL_STATUSES, callRules, callSnapshot, callStatus, isoDateTime, wave, wrongStatus, type CallSnapshot, type CallStatus } from '@aap/contracts';
import { callerOf, notFound, paginated, paginationQuery, policies, ROLE_SETS, sortQuery } from '@aap/http';
import { acceptedOrThrow, type ServiceContext } from '@aap/service-runtime';
import {
  closeCall,
  createCall,
  editCall,
  extendCall,
  parisTime,
  publishCall,
  reopenCall,
  unpublishCall,
  type CallDecision,
  type CallState,
} from './call';
import type { CallStore } from './call.store';

/** What applicants and the other staff roles may see: never a draft nor a withdrawn call. */
const PUBLIC_STATUSES: readonly CallStatus[] = ['published', 'closed'];

/** The call with its times also in Europe/Paris local time, so "end of day" is never ambiguous. */
export const callView = callSnapshot.extend({
  closesAtParis: z.string().describe('closesAt in Europe/Paris local time, e.g. "mardi 31 mars 2026 à 23:59:59 UTC+2"'),
  waves: z.array(wave.extend({ opensAtParis: z.string(), closesAtParis: z.string() })),
});
export type CallView = z.infer<typeof callView>;

export const toView = (call: CallSnapshot): CallView => ({
  ...call,
  closesAtParis: parisTime(call.closesAt),
  waves: call.waves.map((w) => ({ ...w, opensAtParis: parisTime(w.opensAt), closesAtParis: parisTime(w.closesAt) })),
});

const params = z.object({ callId: z.string().max(100).regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'a call id: lower-case letters, digits and -') });
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

  /** Runs a command on an existing call through the command handler; a refusal is its problem, the answer the call as stored. */
  async function transition(callId: string, decide: (call: CallState) => CallDecision): Promise<CallView> {
    const handled = await store.commands.handleExisting(callId, decide);
    if (!handled) throw notFound(`Call ${callId}`);
    acceptedOrThrow(handled.decision, 'call');
    return toView(handled.after!);
  }

  http.post(
    '/calls',
    {
      config: { access: { roles: ROLE_SETS.managers } },
      schema: { tags, summary: 'Create a draft call', body: callRules, response: { 201: callView } },
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
      config: { access: { roles: ROLE_SETS.managers } },
      schema: { tags, summary: 'Replace the rules of a draft call', params, body: callRules, response: { 200: callView } },
    },
    async (request) => transition(request.params.callId, (call) => editCall(call, request.body)),
  );

  http.post(
    '/calls/:callId/publish',
    {
      config: { access: { roles: ROLE_SETS.managers } },
      schema: { tags, summary: 'Publish a draft call (its closing time must be in the future)', params, response: { 200: callView } },
    },
    async (request) => transition(request.params.callId, (call) => publishCall(call, new Date())),
  );

  http.post(
    '/calls/:callId/close',
    {
      config: { access: { roles: ROLE_SETS.managers } },
      schema: {
        tags,
        summary: 'Close a published call now',
        params,
        body: z.object({ note: z.string().max(2_000).optional() }),
        response: { 200: callView },
      },
    },
    async (request) => transition(request.params.callId, (call) => closeCall(call, request.body, new Date())),
  );

  http.post(
    '/calls/:callId/extend',
    {
      config: { access: { roles: ROLE_SETS.managers } },
      schema: { tags, summary: "Move a published call's closing time (its last wave's) later", params, body: closingTimeChange, response: { 200: callView } },
    },
    async (request) => transition(request.params.callId, (call) => extendCall(call, request.body, new Date())),
  );

  http.post(
    '/calls/:callId/reopen',
    {
      config: { access: { roles: ROLE_SETS.managers } },
      schema: { tags, summary: 'Publish a closed call again with a later closing time', params, body: closingTimeChange, response: { 200: callView } },
    },
    async (request) => transition(request.params.callId, (call) => reopenCall(call, request.body, new Date())),
  );

  http.post(
    '/calls/:callId/unpublish',
    {
      config: { access: { roles: ROLE_SETS.managers } },
      schema: {
        tags,
        summary: 'Withdraw a published call from publication',
        params,
        body: z.object({ reason: z.string().max(2_000).optional() }),
        response: { 200: callView },
      },
    },
    async (request) => transition(request.params.callId, (call) => unpublishCall(call, request.body)),
  );

  http.get(
    '/calls',
    {
      config: { access: { roles: ROLE_SETS.everyone } },
      schema: {
        tags,
        summary: 'List calls (applicants and non-manager roles see published and closed calls only)',
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
      const visible = policies.isManager(callerOf(request)) ? CALL_STATUSES : PUBLIC_STATUSES;
      const calls = await store.list({
        statuses: visible.filter((s) => !status || s === status),
        ...(programme ? { programme } : {}),
        sort,
        page,
        pageSize,
      });
      return { ...calls, items: calls.items.map(toView) };
    },
  );

  http.get(
    '/calls/:callId',
    {
      config: { access: { roles: ROLE_SETS.everyone } },
      schema: { tags, summary: 'One call (a draft or unpublished call exists for its managers only)', params, response: { 200: callView } },
    },
    async (request) => {
      const call = await store.get(request.params.callId);
      // Not 403: whether an unpublished call exists is itself not for applicants to know.
      if (!call || (!policies.isManager(callerOf(request)) && !PUBLIC_STATUSES.includes(call.status))) throw notFound(`Call ${request.params.callId}`);
      return toView(call);
    },
  );
}
