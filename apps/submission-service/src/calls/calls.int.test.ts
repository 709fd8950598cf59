import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CallPublished, callSnapshot, eventTopicName, type CallRules } from '@aap/contracts';
import type { Role } from '@aap/http';
import { eventually, httpClient, useTestEnvironment, type HttpAnswer } from '@aap/test-harness';
import { service as submission } from '@aap/submission-service';
import type { CallView } from './call.routes';
import { createPublishedCall, passNumeriqueCallRules } from './testing';
import { readTopicToEnd } from '../testing';

const env = useTestEnvironment();
const DAY_MS = 24 * 60 * 60 * 1000;
const APPLICANT_ORG = '216901231';

let baseUrl: string;
/** A published call made before any test, so the call topic is never empty when read. */
let reference: CallView;

async function api(method: string, path: string, body?: unknown, roles: Role[] = ['programme-manager']): Promise<HttpAnswer> {
  return httpClient(baseUrl).as(roles, roles.includes('applicant') ? { org: APPLICANT_ORG } : {}).request(method, path, body);
}
const create = (rules: CallRules) => api('POST', '/calls', rules);
const command = (callId: string, action: string, body: unknown = {}) => api('POST', `/calls/${callId}/${action}`, body);

const calls = () => env.database('submission').collection<{ _id: string; outboxPending: boolean }>('calls');
const callTopic = () => eventTopicName(env.prefix, CallPublished.topic);

/**
 * The call events on the topic for one call, in order (key = call id, so one partition), once what the
 * call recorded is relayed: read to the topic's end, so none can be missed and none can come later.
 */
async function eventsOf(callId: string): Promise<Array<{ type: string; data: any }>> {
  await settled(callId);
  const messages = await readTopicToEnd(env.kafka(), callTopic());
  return messages.filter((m) => m.key === callId).map((m) => ({ type: m.headers.ce_type!, data: JSON.parse(m.value!) }));
}
const eventsArrived = (callId: string, count: number) =>
  eventually(async () => {
    const events = await eventsOf(callId);
    expect(events).toHaveLength(count);
    return events;
  });

/**
 * The stored document once its outbox is relayed (its events are then on the topic). Tests wait for
 * it before the next command: FerretDB 1.24 updates by find-then-replace, so the relay marking an
 * event sent while a command updates the same call can re-send that event or undo the command.
 */
const settled = (callId: string) =>
  eventually(async () => {
    const doc = await calls().findOne({ _id: callId });
    expect(doc).toMatchObject({ outboxPending: false });
    return doc;
  });

/** After a refusal: the stored call is as it was, and the topic holds no more events for it than before. */
async function expectUnchanged(callId: string, before: unknown, eventCount: number) {
  expect(await calls().findOne({ _id: callId })).toEqual(before);
  expect(await eventsOf(callId)).toHaveLength(eventCount);
}

function expectProblem(answer: HttpAnswer, status: number, entries: Array<{ name: string; detail?: unknown }>) {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  expect(answer.body.errors).toEqual(entries.map((entry) => ({ in: 'rule', detail: expect.any(String), ...entry })));
}

beforeAll(async () => {
  baseUrl = (await env.startService(submission)).url;
  reference = await createPublishedCall(baseUrl);
});

describe('calls: the lifecycle, each transition stored and carried whole by its event', () => {
  it('create → publish → close → reopen → extend → unpublish', async () => {
    const rules = passNumeriqueCallRules();
    const created = await create(rules);
    expect(created.status).toBe(201);
    const callId: string = created.body.callId;
    expect(callId).toMatch(/^pass-numerique-\d{4}-[0-9a-f]{6}$/);
    expect(created.body).toEqual({
      ...rules,
      callId,
      status: 'draft',
      closesAt: rules.waves[0]!.closesAt,
      closesAtParis: expect.stringMatching(/ à \d\d:\d\d:\d\d UTC\+[12]$/),
      waves: [{ ...rules.waves[0], opensAtParis: expect.any(String), closesAtParis: expect.any(String) }],
      team: { 'programme-manager': ['test-programme-manager'], committee: [], finance: [] },
      version: 1,
    });
    expect((await api('GET', `/calls/${callId}`)).body).toEqual(created.body);
    // A draft is not announced.
    expect(await eventsOf(callId)).toEqual([]);

    /** Runs one transition; the answer, the stored call and the last event on the topic must agree. */
    async function step(action: string, body: object, expected: object, event: { type: string; count: number; extra: object }) {
      const answer = await command(callId, action, body);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject(expected);
      const read = await api('GET', `/calls/${callId}`);
      expect(read.body).toEqual(answer.body);
      const events = await eventsArrived(callId, event.count);
      await settled(callId);
      expect(events.at(-1)).toEqual({ type: event.type, data: { call: callSnapshot.parse(read.body), ...event.extra } });
      return read.body as CallView;
    }

    const published = await step('publish', {}, { status: 'published', version: 2 }, { type: 'call.published.v1', count: 1, extra: {} });
    expect(Date.parse(published.publishedAt!)).toBeLessThanOrEqual(Date.now());

    const closed = await step('close', { note: 'Enveloppe engagée en totalité' }, { status: 'closed', version: 3 }, {
      type: 'call.closed.v1',
      count: 2,
      extra: { reason: 'manual', note: 'Enveloppe engagée en totalité' },
    });
    expect(closed.closedAt).toEqual(expect.any(String));

    // Explicit instants with their offset, shown back in Paris time: end of day is unambiguous.
    const reopened = await step('reopen', { closesAt: '2098-06-30T23:59:59+02:00', reason: 'Report demandé par les EPCI' }, {
      status: 'published',
      version: 4,
      closesAt: '2098-06-30T23:59:59+02:00',
      closesAtParis: 'lundi 30 juin 2098 à 23:59:59 UTC+2',
    }, { type: 'call.reopened.v1', count: 3, extra: { reason: 'Report demandé par les EPCI' } });
    expect(reopened).not.toHaveProperty('closedAt');
    expect(reopened.waves.at(-1)).toMatchObject({ closesAt: '2098-06-30T23:59:59+02:00', closesAtParis: 'lundi 30 juin 2098 à 23:59:59 UTC+2' });

    await step('extend', { closesAt: '2098-07-15T23:59:59+02:00', reason: 'Prolongation de deux semaines' }, {
      status: 'published',
      version: 5,
      closesAt: '2098-07-15T23:59:59+02:00',
    }, { type: 'call.extended.v1', count: 4, extra: { reason: 'Prolongation de deux semaines', previousClosesAt: '2098-06-30T23:59:59+02:00' } });

    await step('unpublish', { reason: 'Publié en double' }, { status: 'unpublished', version: 6 }, {
      type: 'call.unpublished.v1',
      count: 5,
      extra: { reason: 'Publié en double' },
    });
    // Withdrawn: applicants no longer see it.
    expectNotFound(await api('GET', `/calls/${callId}`, undefined, ['applicant']));
  });

  it('a draft is edited (PUT) as long as it is a draft: rules replaced, version moved on, nothing announced', async () => {
    const { body: draft } = await create(passNumeriqueCallRules());
    const edited = passNumeriqueCallRules({ title: 'Pass numérique — vague de printemps', reviewersPerDossier: 2 });

    const answer = await api('PUT', `/calls/${draft.callId}`, edited);

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ callId: draft.callId, status: 'draft', version: 2, title: edited.title, reviewersPerDossier: 2 });
    expect((await api('GET', `/calls/${draft.callId}`)).body).toEqual(answer.body);
    expect(await eventsOf(draft.callId)).toEqual([]);
  });
});

function expectNotFound(answer: HttpAnswer) {
  expect(answer.status).toBe(404);
  expect(answer.headers['content-type']).toContain('application/problem+json');
}

describe('calls: refusals answer problem+json and change nothing', () => {
  it('editing a published call: 409 naming its status', async () => {
    const before = await settled(reference.callId);

    const answer = await api('PUT', `/calls/${reference.callId}`, passNumeriqueCallRules({ title: 'Changé après publication' }));

    expectProblem(answer, 409, [{ name: 'call-status', detail: expect.stringContaining('is published') }]);
    await expectUnchanged(reference.callId, before, 1);
  });

  it('creating a call with inconsistent rules: 422 with one entry per broken rule, nothing stored', async () => {
    const count = await calls().countDocuments();
    const base = passNumeriqueCallRules();

    const answer = await create({
      ...base,
      cofinancing: { ...base.cofinancing, minGrantCents: 200_000_000 },
      paymentSchedule: { advanceBps: 3_500, interimCapBps: 9_000 },
      waves: [base.waves[0]!, { ...base.waves[0]!, label: 'Vague 2' }],
    });

    expectProblem(answer, 422, [
      { name: 'waves-chronological' },
      { name: 'wave-ids-unique' },
      { name: 'grant-range' },
      { name: 'advance-cap' },
      { name: 'interim-cap' },
    ]);
    expect(await calls().countDocuments()).toBe(count);
  });

  it('publishing a draft whose closing time is already past: 422 closing-time-in-future, still a draft, nothing announced', async () => {
    const yesterday = new Date(Date.now() - DAY_MS);
    const rules = passNumeriqueCallRules({
      waves: [{ waveId: 'vague-1', label: 'Vague 1', opensAt: new Date(yesterday.getTime() - 30 * DAY_MS).toISOString(), closesAt: yesterday.toISOString() }],
    });
    const { body: draft } = await create(rules);
    const before = await settled(draft.callId);

    const answer = await command(draft.callId, 'publish');

    expectProblem(answer, 422, [{ name: 'closing-time-in-future' }]);
    await expectUnchanged(draft.callId, before, 0);
  });

  it('extending to an earlier date: 422 closing-time-later', async () => {
    const call = await createPublishedCall(baseUrl);
    const before = await settled(call.callId);

    const answer = await command(call.callId, 'extend', { closesAt: new Date(Date.parse(call.closesAt) - DAY_MS).toISOString(), reason: 'Erreur de saisie' });

    expectProblem(answer, 422, [{ name: 'closing-time-later' }]);
    await expectUnchanged(call.callId, before, 1);
  });

  it('reopening without a reason: 422 reason-required', async () => {
    const call = await createPublishedCall(baseUrl);
    await settled(call.callId);
    expect((await command(call.callId, 'close')).status).toBe(200);
    const before = await settled(call.callId);

    const answer = await command(call.callId, 'reopen', { closesAt: '2098-06-30T23:59:59+02:00' });

    expectProblem(answer, 422, [{ name: 'reason-required' }]);
    await expectUnchanged(call.callId, before, 2);
  });

  it('a transition from the wrong status: 409 naming the current status', async () => {
    const { body: draft } = await create(passNumeriqueCallRules());
    const [before, referenceBefore] = [await settled(draft.callId), await settled(reference.callId)];

    for (const [action, body] of [
      ['close', {}],
      ['extend', { closesAt: '2098-06-30T23:59:59+02:00', reason: 'r' }],
      ['reopen', { closesAt: '2098-06-30T23:59:59+02:00', reason: 'r' }],
      ['unpublish', {}],
    ] as const) {
      expectProblem(await command(draft.callId, action, body), 409, [{ name: 'call-status', detail: expect.stringContaining(`is draft`) }]);
    }
    expectProblem(await command(reference.callId, 'reopen', { closesAt: '2098-06-30T23:59:59+02:00', reason: 'r' }), 409, [
      { name: 'call-status', detail: expect.stringContaining('is published') },
    ]);
    await expectUnchanged(draft.callId, before, 0);
    await expectUnchanged(reference.callId, referenceBefore, 1);
  });

  it('two publications of one draft at once: one wins, the other gets a 409, one event', async () => {
    const { body: draft } = await create(passNumeriqueCallRules());

    const answers = await Promise.all([command(draft.callId, 'publish'), command(draft.callId, 'publish')]);

    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const lost = answers.find((a) => a.status === 409)!;
    expect(lost.headers['content-type']).toContain('application/problem+json');
    // Lost on the version guard, or, if the winner already wrote, as the wrong status.
    expect(['concurrent-change', 'call-status']).toContain(lost.body.errors[0].name);
    expect((await api('GET', `/calls/${draft.callId}`)).body).toMatchObject({ status: 'published', version: 2 });
    await settled(draft.callId);
    expect(await eventsOf(draft.callId)).toHaveLength(1);
  });

  it.each<Role>(['applicant', 'reviewer'])('as %s, creating or publishing a call: 403, nothing stored', async (role) => {
    const count = await calls().countDocuments();
    const { body: draft } = await create(passNumeriqueCallRules());
    const before = await settled(draft.callId);

    const created = await api('POST', '/calls', passNumeriqueCallRules(), [role]);
    const published = await api('POST', `/calls/${draft.callId}/publish`, {}, [role]);

    for (const answer of [created, published]) {
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.body.detail).toContain('programme-manager');
    }
    expect(await calls().countDocuments()).toBe(count + 1);
    await expectUnchanged(draft.callId, before, 0);
  });

  it('an unknown call: 404', async () => {
    expectNotFound(await command('appel-inconnu-000000', 'publish'));
    expectNotFound(await api('GET', '/calls/appel-inconnu-000000'));
  });
});

describe('calls: who sees what', () => {
  it('a draft is 404 to every non-manager role, and visible to managers and admins', async () => {
    const { body: draft } = await create(passNumeriqueCallRules());

    for (const role of ['applicant', 'reviewer', 'committee', 'finance'] as const) {
      expectNotFound(await api('GET', `/calls/${draft.callId}`, undefined, [role]));
    }
    for (const role of ['programme-manager', 'admin'] as const) {
      expect((await api('GET', `/calls/${draft.callId}`, undefined, [role])).status).toBe(200);
    }
    // The team (staff identities) is shown to the team and admins only.
    const { team: _team, ...publicView } = reference;
    expect((await api('GET', `/calls/${reference.callId}`, undefined, ['applicant'])).body).toEqual(publicView);
  });

  it('lists calls filtered by programme and status, sorted and paginated; applicants see published and closed calls only', async () => {
    const programme = `Fabriques de territoire ${randomBytes(3).toString('hex')}`;
    const rules = (title: string, closesInDays: number) =>
      passNumeriqueCallRules({
        title,
        programme,
        waves: [{ waveId: 'vague-1', label: 'Vague 1', opensAt: new Date(Date.now() - DAY_MS).toISOString(), closesAt: new Date(Date.now() + closesInDays * DAY_MS).toISOString() }],
      });
    const b = await createPublishedCall(baseUrl, rules('Fabriques B', 20));
    const a = await createPublishedCall(baseUrl, rules('Fabriques A', 40));
    const c = (await create(rules('Fabriques C', 10))).body as CallView;
    const ids = (answer: HttpAnswer) => answer.body.items.map((item: CallView) => item.callId);
    const query = `programme=${encodeURIComponent(programme)}`;

    expect(ids(await api('GET', `/calls?${query}&sort=title`))).toEqual([a.callId, b.callId, c.callId]);
    expect(ids(await api('GET', `/calls?${query}&sort=-title`))).toEqual([c.callId, b.callId, a.callId]);
    expect(ids(await api('GET', `/calls?${query}`))).toEqual([c.callId, b.callId, a.callId]); // closing soonest first
    expect(ids(await api('GET', `/calls?${query}&status=draft`))).toEqual([c.callId]);

    const asApplicant = await api('GET', `/calls?${query}&sort=title`, undefined, ['applicant']);
    expect(asApplicant.body).toMatchObject({ page: 1, pageSize: 20, total: 2 });
    expect(ids(asApplicant)).toEqual([a.callId, b.callId]);
    const { team: _team, ...publicA } = a;
    expect(asApplicant.body.items[0]).toEqual(publicA);
    expect((await api('GET', `/calls?${query}&status=draft`, undefined, ['reviewer'])).body).toMatchObject({ items: [], total: 0 });

    const secondPage = await api('GET', `/calls?${query}&sort=title&page=2&pageSize=1`, undefined, ['committee']);
    expect(secondPage.body).toMatchObject({ page: 2, pageSize: 1, total: 2 });
    expect(ids(secondPage)).toEqual([b.callId]);
  });
});

describe("calls: the call's team", () => {
  const asCaller = (method: string, path: string, roles: Role[], sub: string) =>
    httpClient(baseUrl).as(roles, { sub }).request(method, path, method === 'POST' ? {} : undefined);
  const teamPath = (callId: string, role: string, member: string) => `/calls/${callId}/team/${role}/${member}`;

  it('the creator is its first programme manager; members join and leave, announced as call.team-changed once the call is published, idempotently', async () => {
    const { body: draft } = await create(passNumeriqueCallRules());
    const callId: string = draft.callId;
    expect((await api('GET', `/calls/${callId}/team`)).body).toEqual({
      callId,
      createdBy: 'test-programme-manager',
      team: { 'programme-manager': ['test-programme-manager'], committee: [], finance: [] },
    });

    // A draft's team changes its state only: no other service holds a copy yet.
    const joined = await api('PUT', teamPath(callId, 'committee', 'claire'));
    expect(joined.status).toBe(200);
    expect(joined.body.team).toEqual({ 'programme-manager': ['test-programme-manager'], committee: ['claire'], finance: [] });
    expect((await api('GET', `/calls/${callId}`)).body).toMatchObject({ version: 2, team: joined.body.team });
    expect(await eventsOf(callId)).toEqual([]);

    await command(callId, 'publish');
    await eventsArrived(callId, 1);
    const finance = await api('PUT', teamPath(callId, 'finance', 'fanny'));
    expect(finance.body.team.finance).toEqual(['fanny']);
    const [, changed] = await eventsArrived(callId, 2);
    expect(changed).toEqual({
      type: 'call.team-changed.v1',
      data: { call: expect.objectContaining({ callId, version: 4, team: finance.body.team }), role: 'finance', member: 'fanny', change: 'added' },
    });

    // The same change again writes nothing and announces nothing.
    const stored = await settled(callId);
    expect((await api('PUT', teamPath(callId, 'finance', 'fanny'))).status).toBe(200);
    expect((await api('DELETE', teamPath(callId, 'committee', 'nobody'))).status).toBe(200);
    await expectUnchanged(callId, stored, 2);

    const left = await api('DELETE', teamPath(callId, 'committee', 'claire'));
    expect(left.body.team.committee).toEqual([]);
    const events = await eventsArrived(callId, 3);
    expect(events.at(-1)).toMatchObject({ type: 'call.team-changed.v1', data: { role: 'committee', member: 'claire', change: 'removed', call: { version: 5 } } });
  });

  it('only its creator or an admin changes the team (403 team-managed-by-creator); another call’s manager gets 404; a call keeps a programme manager', async () => {
    const { body: draft } = await create(passNumeriqueCallRules());
    const callId: string = draft.callId;
    await api('PUT', teamPath(callId, 'programme-manager', 'paul'));
    const before = await settled(callId);

    const byTeammate = await asCaller('PUT', teamPath(callId, 'committee', 'accomplice'), ['programme-manager'], 'paul');
    expectProblem(byTeammate, 403, [{ name: 'team-managed-by-creator' }]);
    expectNotFound(await asCaller('PUT', teamPath(callId, 'committee', 'accomplice'), ['programme-manager'], 'manager-of-another-call'));
    expectNotFound(await asCaller('GET', `/calls/${callId}/team`, ['programme-manager'], 'manager-of-another-call'));
    await expectUnchanged(callId, before, 0);

    // Paul, on the team, runs the call (its rules) but not its team; the creator may leave once Paul is there, not before.
    expect((await asCaller('GET', `/calls/${callId}/team`, ['programme-manager'], 'paul')).status).toBe(200);
    expect((await asCaller('DELETE', teamPath(callId, 'programme-manager', 'paul'), ['admin'], 'operator')).status).toBe(200);
    expectProblem(await api('DELETE', teamPath(callId, 'programme-manager', 'test-programme-manager')), 422, [{ name: 'last-programme-manager' }]);
    expect((await asCaller('PUT', teamPath(callId, 'committee', 'claire'), ['admin'], 'operator')).body.team).toEqual({
      'programme-manager': ['test-programme-manager'],
      committee: ['claire'],
      finance: [],
    });
    const badRole = await api('PUT', teamPath(callId, 'reviewer', 'rita'));
    expect(badRole.status).toBe(400);
    expect(badRole.headers['content-type']).toContain('application/problem+json');
  });

  it('staff see and run only their teams’ calls: another call’s programme manager, committee or finance officer gets 404, and lists only its own', async () => {
    const programme = `Équipes ${randomBytes(3).toString('hex')}`;
    const call = await createPublishedCall(baseUrl, passNumeriqueCallRules({ programme }));
    const other = 'manager-of-another-call';
    for (const role of ['programme-manager', 'committee', 'finance'] as const) {
      expectNotFound(await asCaller('GET', `/calls/${call.callId}`, [role], other));
      const listed = await asCaller('GET', `/calls?programme=${encodeURIComponent(programme)}`, [role], other);
      expect(listed.body).toMatchObject({ items: [], total: 0 });
    }
    expectNotFound(await asCaller('POST', `/calls/${call.callId}/close`, ['programme-manager'], other));
    expect((await api('GET', `/calls/${call.callId}`)).status).toBe(200);
    // The committee of the call sees it in its list, its team included; an admin sees every call.
    expect((await asCaller('GET', `/calls?programme=${encodeURIComponent(programme)}`, ['committee'], 'test-committee')).body.items).toEqual([call]);
    expect((await asCaller('GET', `/calls?programme=${encodeURIComponent(programme)}`, ['admin'], 'operator')).body.total).toBe(1);
  });

  it('a call stored before teams gets its creator as first programme manager when the service starts', async () => {
    const { body: draft } = await create(passNumeriqueCallRules());
    await settled(draft.callId);
    await calls().updateOne({ _id: draft.callId }, { $unset: { team: '' } });
    await env.database('submission').collection<{ _id: string }>('schema_upgrades').deleteOne({ _id: 'call-teams' });
    // Before the upgrade, only admins act on it.
    expectNotFound(await api('GET', `/calls/${draft.callId}`));

    // A second instance on the same database runs the upgrade as it starts; stopped at once (one instance runs the schedules).
    const restarted = await env.startService(submission);
    try {
      const team = await httpClient(restarted.url).as('programme-manager').get(`/calls/${draft.callId}/team`);
      expect(team.body.team).toEqual({ 'programme-manager': ['test-programme-manager'], committee: [], finance: [] });
    } finally {
      await restarted.stop();
    }
  });
});

describe('calls: closing at the closing time', () => {
  it('a published call closes on its own once its only wave closes, announced with reason closing-time', async () => {
    const now = Date.now();
    const call = await createPublishedCall(
      baseUrl,
      passNumeriqueCallRules({
        title: 'Pass numérique — fenêtre courte',
        waves: [{ waveId: 'vague-1', label: 'Vague 1', opensAt: new Date(now - DAY_MS).toISOString(), closesAt: new Date(now + 2_000).toISOString() }],
      }),
      {}, // its creator only: published before its short window closes
    );
    expect(call.status).toBe('published');

    const closed = await eventually(async () => {
      const answer = await api('GET', `/calls/${call.callId}`, undefined, ['applicant']);
      expect(answer.body).toMatchObject({ status: 'closed', version: call.version + 1 });
      return answer.body as CallView;
    }, { timeoutMs: 15_000 });
    expect(Date.parse(closed.closedAt!)).toBeGreaterThanOrEqual(Date.parse(call.closesAt));

    const events = await eventsArrived(call.callId, 2);
    expect(events.map((e) => e.type)).toEqual(['call.published.v1', 'call.closed.v1']);
    // The applicant's view leaves the team out; the event carries it.
    expect(events[1]!.data).toEqual({ call: callSnapshot.parse({ ...closed, team: call.team }), reason: 'closing-time' });
  });
});
