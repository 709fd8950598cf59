import { describe, expect, it } from 'vitest';
import { decider, thenOf } from '@aap/test-harness/decider-spec';
import { CallClosed, CallExtended, CallPublished, CallReopened, CallTeamChanged, CallUnpublished, type CallRules, type CallSnapshot, type CallStatus, type Decision } from '@aap/contracts';
import {
  closeAtClosingTime,
  closeCall,
  consistencyViolations,
  addTeamMember,
  createCall,
  editCall,
  extendCall,
  parisTime,
  publishCall,
  removeTeamMember,
  reopenCall,
  unpublishCall,
  type CallState,
} from './call';
import { passNumeriqueCallRules } from './pass-numerique';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const rules = (overrides: Partial<CallRules> = {}) => passNumeriqueCallRules(overrides, NOW);
const CLOSES_AT = rules().waves[0]!.closesAt;

const callIn = (status: CallStatus, overrides: Partial<CallSnapshot> = {}): CallSnapshot => ({
  ...rules(),
  callId: 'pass-numerique-2026-abc123',
  status,
  closesAt: CLOSES_AT,
  version: 3,
  ...(status !== 'draft' ? { publishedAt: '2026-03-01T08:00:00.000Z' } : {}),
  ...(status === 'closed' ? { closedAt: '2026-03-01T20:00:00.000Z' } : {}),
  ...overrides,
});

/** The state an accepted decision leads to (the spec has already checked it was accepted). */
function stateOf(decision: Decision<CallSnapshot>): CallSnapshot {
  if (decision.outcome !== 'accepted') throw new Error(`expected an accepted decision, got ${JSON.stringify(decision)}`);
  return decision.state;
}
/** The call as its event publishes it: as stored after the write, one version on (the store adds it). */
const recorded = (call: CallSnapshot): CallSnapshot => ({ ...call, version: call.version + 1 });

const wave = (waveId: string, opensAt: string, closesAt: string) => ({ waveId, label: waveId, opensAt, closesAt });

describe('consistency rules', () => {
  it('given the Pass numérique rules, when checked, then no rule is broken', () => {
    expect(consistencyViolations(rules())).toEqual([]);
  });

  it.each<[string, Partial<CallRules>]>([
    ['waves-required', { waves: [] }],
    ['wave-window', { waves: [wave('v1', '2026-04-01T00:00:00+02:00', '2026-03-31T23:59:59+02:00')] }],
    ['wave-window', { waves: [wave('v1', '2026-04-01T00:00:00+02:00', '2026-04-01T00:00:00+02:00')] }],
    [
      'waves-chronological',
      { waves: [wave('v1', '2026-03-01T00:00:00+01:00', '2026-04-30T23:59:59+02:00'), wave('v2', '2026-04-30T12:00:00+02:00', '2026-06-30T23:59:59+02:00')] },
    ],
    [
      'waves-chronological',
      { waves: [wave('v2', '2026-05-01T00:00:00+02:00', '2026-06-30T23:59:59+02:00'), wave('v1', '2026-03-01T00:00:00+01:00', '2026-04-30T23:59:59+02:00')] },
    ],
    [
      'wave-ids-unique',
      { waves: [wave('v1', '2026-03-01T00:00:00+01:00', '2026-04-30T23:59:59+02:00'), wave('v1', '2026-05-01T00:00:00+02:00', '2026-06-30T23:59:59+02:00')] },
    ],
    ['grant-range', { cofinancing: { ...rules().cofinancing, minGrantCents: 150_000_001 } }],
    ['grant-within-envelope', { budgetEnvelopeCents: 149_999_999 }],
    ['advance-cap', { paymentSchedule: { advanceBps: 3_001, interimCapBps: 8_000 } }],
    ['interim-cap', { paymentSchedule: { advanceBps: 3_000, interimCapBps: 8_001 } }],
    ['advance-within-interim-cap', { paymentSchedule: { advanceBps: 2_000, interimCapBps: 1_000 } }],
    [
      'criteria-ids-unique',
      { scoringGrid: { criteria: [...rules().scoringGrid.criteria, { criterionId: 'public-reach', label: 'Doublon', weight: 5, maxScore: 20 }] } },
    ],
    ['pass-threshold-range', { scoringGrid: { ...rules().scoringGrid, passThreshold: 101 } }],
    ['pass-threshold-range', { scoringGrid: { ...rules().scoringGrid, passThreshold: -1 } }],
  ])('given rules breaking %s, when checked, then exactly that one violation is reported', (name, overrides) => {
    const violations = consistencyViolations(rules(overrides));

    expect(violations).toEqual([{ name, detail: expect.any(String) }]);
  });

  it('given waves that touch (the next opens when the previous closes), when checked, then they are chronological', () => {
    const touching = [wave('v1', '2026-03-01T00:00:00+01:00', '2026-04-30T22:00:00Z'), wave('v2', '2026-05-01T00:00:00+02:00', '2026-06-30T23:59:59+02:00')];

    expect(consistencyViolations(rules({ waves: touching }))).toEqual([]);
  });

  it('given rules breaking several rules, when checked, then one violation per broken rule, each naming what to fix', () => {
    const violations = consistencyViolations(
      rules({
        budgetEnvelopeCents: 100_000_000,
        cofinancing: { ...rules().cofinancing, minGrantCents: 200_000_000 },
        paymentSchedule: { advanceBps: 3_500, interimCapBps: 9_000 },
      }),
    );

    expect(violations.map((v) => v.name)).toEqual(['grant-range', 'grant-within-envelope', 'advance-cap', 'interim-cap']);
    expect(violations[2]!.detail).toContain('30 %');
  });
});

describe('create', () => {
  const create = (callRules: CallRules) => createCall({ callId: 'pass-numerique-2026-abc123', rules: callRules, by: 'pm-1' });

  it('given consistent rules, when creating, then a draft at version 1 closing with its last wave, created by its manager, and no event', () => {
    const spec = thenOf(create(rules())).then();

    expect(stateOf(spec.decision)).toEqual({
      ...rules(),
      callId: 'pass-numerique-2026-abc123',
      status: 'draft',
      closesAt: CLOSES_AT,
      team: { 'programme-manager': ['pm-1'], committee: [], finance: [] },
      version: 1,
      createdBy: 'pm-1',
    });
  });

  it('given several waves, when creating, then the call closes when its last wave closes', () => {
    const waves = [wave('v1', '2026-03-01T00:00:00+01:00', '2026-04-30T23:59:59+02:00'), wave('v2', '2026-05-01T00:00:00+02:00', '2026-06-30T23:59:59+02:00')];

    thenOf(create(rules({ waves }))).thenState({ closesAt: '2026-06-30T23:59:59+02:00' });
  });

  it('given inconsistent rules, when creating, then refused with their violations', () => {
    thenOf(create(rules({ budgetEnvelopeCents: 0 }))).thenRefused('grant-within-envelope');
  });

  it('given a closing time already past, when creating, then the draft is accepted (only publishing needs a future closing time)', () => {
    const waves = [wave('v1', '2020-01-01T00:00:00+01:00', '2020-01-31T23:59:59+01:00')];

    thenOf(create(rules({ waves }))).then();
  });
});

describe('edit', () => {
  const edit = decider(editCall);

  it('given a draft, when editing its rules, then they are replaced, no event (the store moves the version on)', () => {
    const edited = rules({ title: 'Pass numérique 2026 — vague de printemps', reviewersPerDossier: 2 });

    const spec = edit.given(callIn('draft')).when(edited).then();

    expect(stateOf(spec.decision)).toEqual({ ...edited, callId: 'pass-numerique-2026-abc123', status: 'draft', closesAt: CLOSES_AT, version: 3 });
  });

  it('given a draft, when editing with inconsistent rules, then refused with the violations', () => {
    edit.given(callIn('draft')).when(rules({ paymentSchedule: { advanceBps: 4_000, interimCapBps: 8_000 } })).thenRefused('advance-cap');
  });

  it.each<CallStatus>(['published', 'closed', 'unpublished'])('given a %s call, when editing, then refused as the wrong status, naming it', (status) => {
    const spec = edit.given(callIn(status)).when(rules()).thenWrongStatus(status);
    expect(spec.decision).toEqual({ outcome: 'wrong-status', status, detail: expect.stringContaining(`is ${status}`) });
  });
});

describe('publish', () => {
  const publish = decider(publishCall);

  it('given a consistent draft closing in the future, when publishing, then published now and call.published carries the whole call as recorded', () => {
    const spec = publish.given(callIn('draft')).when(NOW);

    const published = { ...callIn('draft'), status: 'published' as const, publishedAt: NOW.toISOString() };
    expect(stateOf(spec.decision)).toEqual(published);
    spec.then({ definition: CallPublished, data: { call: recorded(published) } });
  });

  it('given a draft whose closing time is past, when publishing, then refused: closing-time-in-future', () => {
    publish.given(callIn('draft')).when(new Date(Date.parse(CLOSES_AT) + 1)).thenRefused('closing-time-in-future');
  });

  it('given a draft closing exactly now, when publishing, then refused: closing-time-in-future', () => {
    publish.given(callIn('draft')).when(new Date(CLOSES_AT)).thenRefused('closing-time-in-future');
  });

  it('given a draft whose rules became inconsistent, when publishing, then refused with them', () => {
    publish.given(callIn('draft', { paymentSchedule: { advanceBps: 3_000, interimCapBps: 9_000 } })).when(NOW).thenRefused('interim-cap');
  });

  it.each<CallStatus>(['published', 'closed', 'unpublished'])('given a %s call, when publishing, then refused as the wrong status', (status) => {
    publish.given(callIn(status)).when(NOW).thenWrongStatus(status);
  });
});

describe('close manually', () => {
  const close = decider(closeCall);

  it('given a published call, when its manager closes it, then closed now and call.closed says manual, with the note', () => {
    const spec = close.given(callIn('published')).when({ note: ' Enveloppe épuisée ' }, NOW);

    const closed = { ...callIn('published'), status: 'closed' as const, closedAt: NOW.toISOString() };
    expect(stateOf(spec.decision)).toEqual(closed);
    spec.then({ definition: CallClosed, data: { call: recorded(closed), reason: 'manual', note: 'Enveloppe épuisée' } });
  });

  it('given a published call, when closing without a note, then the event carries none', () => {
    const spec = close.given(callIn('published')).when({}, NOW).then(CallClosed);
    expect(spec.decision.outcome === 'accepted' && spec.decision.events[0]!.data).not.toHaveProperty('note');
  });

  it.each<CallStatus>(['draft', 'closed', 'unpublished'])('given a %s call, when closing, then refused as the wrong status', (status) => {
    close.given(callIn(status)).when({}, NOW).thenWrongStatus(status);
  });
});

describe('close at closing time', () => {
  const closeOnTime = decider(closeAtClosingTime);

  it('given a published call whose closing time is reached, when the scheduler runs, then closed with reason closing-time', () => {
    const at = new Date(CLOSES_AT);

    const spec = closeOnTime.given(callIn('published')).when(at).thenState({ status: 'closed', closedAt: at.toISOString(), version: 3 });

    spec.then({ definition: CallClosed, data: { call: recorded(stateOf(spec.decision)), reason: 'closing-time' } });
  });

  it('given a published call still open, when the scheduler runs, then refused: closing-time-not-reached', () => {
    closeOnTime.given(callIn('published')).when(NOW).thenRefused('closing-time-not-reached');
  });

  it('given a call already closed (by another instance or its manager), when the scheduler runs, then refused as the wrong status', () => {
    closeOnTime.given(callIn('closed')).when(new Date(CLOSES_AT)).thenWrongStatus('closed');
  });
});

describe('extend', () => {
  const later = '2026-04-30T23:59:59+02:00';
  const extend = decider(extendCall);

  it("given a published call, when extended with a reason, then its last wave closes later and call.extended gives the previous closing time", () => {
    const spec = extend.given(callIn('published')).when({ closesAt: later, reason: ' Demande des EPCI ' }, NOW);

    const extended = { ...callIn('published'), waves: [{ ...callIn('published').waves[0]!, closesAt: later }], closesAt: later };
    expect(stateOf(spec.decision)).toEqual(extended);
    spec.then({ definition: CallExtended, data: { call: recorded(extended), reason: 'Demande des EPCI', previousClosesAt: CLOSES_AT } });
  });

  it('given several waves, when extended, then only the last wave moves', () => {
    const waves = [wave('v1', '2026-02-01T00:00:00+01:00', '2026-02-28T23:59:59+01:00'), wave('v2', '2026-03-01T00:00:00+01:00', CLOSES_AT)];

    const spec = extend.given(callIn('published', { waves })).when({ closesAt: later, reason: 'r' }, NOW);

    expect(stateOf(spec.decision).waves).toEqual([waves[0], { ...waves[1], closesAt: later }]);
  });

  it('given a published call, when extended to an earlier or the same time, then refused: closing-time-later', () => {
    extend.given(callIn('published')).when({ closesAt: '2026-03-10T23:59:59+01:00', reason: 'r' }, NOW).thenRefused('closing-time-later');
    extend.given(callIn('published')).when({ closesAt: CLOSES_AT, reason: 'r' }, NOW).thenRefused('closing-time-later');
  });

  it('given a published call past its closing time, when extended to a time later but already past, then refused: closing-time-in-future', () => {
    const call = callIn('published', { closesAt: '2026-02-01T00:00:00Z', waves: [wave('v1', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')] });

    extend.given(call).when({ closesAt: '2026-03-01T00:00:00Z', reason: 'r' }, NOW).thenRefused('closing-time-in-future');
  });

  it.each([undefined, '', '   '])('given a published call, when extended without a reason (%j), then refused: reason-required', (reason) => {
    extend.given(callIn('published')).when({ closesAt: later, ...(reason === undefined ? {} : { reason }) }, NOW).thenRefused('reason-required');
  });

  it.each<CallStatus>(['draft', 'closed', 'unpublished'])('given a %s call, when extending, then refused as the wrong status', (status) => {
    extend.given(callIn(status)).when({ closesAt: later, reason: 'r' }, NOW).thenWrongStatus(status);
  });
});

describe('reopen', () => {
  const later = '2026-04-30T23:59:59+02:00';
  const reopen = decider(reopenCall);

  it('given a closed call, when reopened with a reason and a later closing time, then published again, no longer closed, and call.reopened', () => {
    const spec = reopen.given(callIn('closed')).when({ closesAt: later, reason: 'Report de la date limite' }, NOW);

    const { closedAt: _closedAt, ...open } = callIn('closed');
    const reopened = { ...open, status: 'published' as const, waves: [{ ...open.waves[0]!, closesAt: later }], closesAt: later };
    expect(stateOf(spec.decision)).toEqual(reopened);
    spec.then({ definition: CallReopened, data: { call: recorded(reopened), reason: 'Report de la date limite' } });
  });

  it('given a closed call, when reopened without a reason, then refused: reason-required', () => {
    reopen.given(callIn('closed')).when({ closesAt: later }, NOW).thenRefused('reason-required');
  });

  it('given a closed call, when reopened to an earlier time, then refused: closing-time-later', () => {
    reopen.given(callIn('closed')).when({ closesAt: '2026-03-05T12:00:00+01:00', reason: 'r' }, NOW).thenRefused('closing-time-later');
  });

  it('given a call closed at its closing time, when reopened to a time later but already past, then refused: closing-time-in-future', () => {
    const call = callIn('closed', { closesAt: '2026-02-01T00:00:00Z', waves: [wave('v1', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')] });

    reopen.given(call).when({ closesAt: '2026-02-15T00:00:00Z', reason: 'r' }, NOW).thenRefused('closing-time-in-future');
  });

  it('given a closed call, when reopened without reason and to an earlier time, then one violation per broken rule', () => {
    const spec = reopen.given(callIn('closed')).when({ closesAt: '2026-03-01T00:00:00Z', reason: '' }, NOW).thenRefused('reason-required', 'closing-time-later', 'closing-time-in-future');
    expect(spec.decision.outcome === 'refused' && spec.decision.violations.map((v) => v.name)).toEqual(['reason-required', 'closing-time-later', 'closing-time-in-future']);
  });

  it.each<CallStatus>(['draft', 'published', 'unpublished'])('given a %s call, when reopening, then refused as the wrong status', (status) => {
    reopen.given(callIn(status)).when({ closesAt: later, reason: 'r' }, NOW).thenWrongStatus(status);
  });
});

describe('unpublish', () => {
  const unpublish = decider(unpublishCall);

  it('given a published call, when unpublished with a reason, then unpublished and call.unpublished carries it', () => {
    const spec = unpublish.given(callIn('published')).when({ reason: 'Publié par erreur' });

    const unpublished = { ...callIn('published'), status: 'unpublished' as const };
    expect(stateOf(spec.decision)).toEqual(unpublished);
    spec.then({ definition: CallUnpublished, data: { call: recorded(unpublished), reason: 'Publié par erreur' } });
  });

  it('given a published call, when unpublished without a reason, then the event carries none', () => {
    const spec = unpublish.given(callIn('published')).when({}).then(CallUnpublished);
    expect(spec.decision.outcome === 'accepted' && spec.decision.events[0]!.data).toEqual({ call: expect.objectContaining({ status: 'unpublished' }) });
  });

  it.each<CallStatus>(['draft', 'closed', 'unpublished'])('given a %s call, when unpublishing, then refused as the wrong status', (status) => {
    unpublish.given(callIn(status)).when({}).thenWrongStatus(status);
  });
});

describe('the team', () => {
  const creator = { userId: 'pm-1', admin: false };
  const teamed = (status: CallStatus, team = { 'programme-manager': ['pm-1'], committee: ['claire'], finance: [] }): CallState => ({ ...callIn(status, { team }), createdBy: 'pm-1' });
  const add = decider(addTeamMember);
  const remove = decider(removeTeamMember);

  it('given a draft, when its creator adds a committee member, then the team has them and nothing is announced (no copy of a draft exists elsewhere)', () => {
    add.given(teamed('draft')).when({ role: 'committee', member: 'bruno', by: creator }).then().thenState({ team: { 'programme-manager': ['pm-1'], committee: ['claire', 'bruno'], finance: [] } });
  });

  it.each<CallStatus>(['published', 'closed', 'unpublished'])('given a %s call, when a member is added or removed, then call.team-changed carries the call as recorded', (status) => {
    const added = { ...teamed(status), team: { 'programme-manager': ['pm-1'], committee: ['claire'], finance: ['fanny'] } };
    const { createdBy: _by, ...snapshot } = added;
    add.given(teamed(status)).when({ role: 'finance', member: 'fanny', by: creator }).then({ definition: CallTeamChanged, data: { call: recorded(snapshot), role: 'finance', member: 'fanny', change: 'added' } });
    remove.given(teamed(status)).when({ role: 'committee', member: 'claire', by: creator }).then(CallTeamChanged).thenState({ team: { 'programme-manager': ['pm-1'], committee: [], finance: [] } });
  });

  it('given a member already there (or already gone), when added (or removed) again, then nothing happens', () => {
    add.given(teamed('published')).when({ role: 'committee', member: 'claire', by: creator }).thenNothingHappens();
    remove.given(teamed('published')).when({ role: 'finance', member: 'nobody', by: creator }).thenNothingHappens();
  });

  it('given another programme manager of the team, when changing the team, then refused: only the creator or an admin manages it', () => {
    const teammate = { userId: 'paul', admin: false };
    const call = teamed('published', { 'programme-manager': ['pm-1', 'paul'], committee: [], finance: [] });
    add.given(call).when({ role: 'committee', member: 'accomplice', by: teammate }).thenRefused('team-managed-by-creator');
    remove.given(call).when({ role: 'programme-manager', member: 'pm-1', by: teammate }).thenRefused('team-managed-by-creator');
    add.given(call).when({ role: 'committee', member: 'bruno', by: { userId: 'operator', admin: true } }).then(CallTeamChanged);
  });

  it('given the creator as last programme manager, when removed, then refused; once another one is there, it may leave', () => {
    remove.given(teamed('draft')).when({ role: 'programme-manager', member: 'pm-1', by: creator }).thenRefused('last-programme-manager');
    remove
      .given(teamed('draft', { 'programme-manager': ['pm-1', 'paul'], committee: [], finance: [] }))
      .when({ role: 'programme-manager', member: 'pm-1', by: creator })
      .then()
      .thenState({ team: { 'programme-manager': ['paul'], committee: [], finance: [] } });
  });

  it('given a call from before teams, when its creator adds a member, then it gets a team', () => {
    const { team: _team, ...legacy } = teamed('published');
    add.given(legacy).when({ role: 'finance', member: 'fanny', by: creator }).then(CallTeamChanged).thenState({ team: { 'programme-manager': [], committee: [], finance: ['fanny'] } });
  });
});

describe('Paris time', () => {
  it('given an instant with its offset, when shown, then it reads in Europe/Paris local time, daylight saving included', () => {
    expect(parisTime('2026-03-31T23:59:59+02:00')).toBe('mardi 31 mars 2026 à 23:59:59 UTC+2');
    expect(parisTime('2026-01-31T22:59:59Z')).toBe('samedi 31 janvier 2026 à 23:59:59 UTC+1');
  });
});
