import { describe, expect, it } from 'vitest';
import { CallClosed, CallExtended, CallPublished, CallReopened, CallUnpublished, type CallRules, type CallSnapshot, type CallStatus } from '@aap/contracts';
import {
  closeAtClosingTime,
  closeCall,
  consistencyViolations,
  createCall,
  editCall,
  extendCall,
  parisTime,
  publishCall,
  reopenCall,
  unpublishCall,
  type CallDecision,
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

function acceptedOf(decision: CallDecision) {
  if (decision.outcome !== 'accepted') throw new Error(`expected an accepted decision, got ${JSON.stringify(decision)}`);
  return decision;
}
const violationNames = (decision: CallDecision) => (decision.outcome === 'refused' ? decision.violations.map((v) => v.name) : decision);

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
  it('given consistent rules, when creating, then a draft at version 1 closing with its last wave, and no event', () => {
    const decision = acceptedOf(createCall({ callId: 'pass-numerique-2026-abc123', rules: rules() }));

    expect(decision.state).toEqual({ ...rules(), callId: 'pass-numerique-2026-abc123', status: 'draft', closesAt: CLOSES_AT, version: 1 });
    expect(decision.events).toEqual([]);
  });

  it('given several waves, when creating, then the call closes when its last wave closes', () => {
    const waves = [wave('v1', '2026-03-01T00:00:00+01:00', '2026-04-30T23:59:59+02:00'), wave('v2', '2026-05-01T00:00:00+02:00', '2026-06-30T23:59:59+02:00')];

    expect(acceptedOf(createCall({ callId: 'c', rules: rules({ waves }) })).state.closesAt).toBe('2026-06-30T23:59:59+02:00');
  });

  it('given inconsistent rules, when creating, then refused with their violations', () => {
    expect(violationNames(createCall({ callId: 'c', rules: rules({ budgetEnvelopeCents: 0 }) }))).toEqual(['grant-within-envelope']);
  });

  it('given a closing time already past, when creating, then the draft is accepted (only publishing needs a future closing time)', () => {
    const waves = [wave('v1', '2020-01-01T00:00:00+01:00', '2020-01-31T23:59:59+01:00')];

    expect(createCall({ callId: 'c', rules: rules({ waves }) }).outcome).toBe('accepted');
  });
});

describe('edit', () => {
  it('given a draft, when editing its rules, then they are replaced, the version moves on, and no event', () => {
    const edited = rules({ title: 'Pass numérique 2026 — vague de printemps', reviewersPerDossier: 2 });

    const decision = acceptedOf(editCall(callIn('draft'), edited));

    expect(decision.state).toEqual({ ...edited, callId: 'pass-numerique-2026-abc123', status: 'draft', closesAt: CLOSES_AT, version: 4 });
    expect(decision.events).toEqual([]);
  });

  it('given a draft, when editing with inconsistent rules, then refused with the violations', () => {
    expect(violationNames(editCall(callIn('draft'), rules({ paymentSchedule: { advanceBps: 4_000, interimCapBps: 8_000 } })))).toEqual(['advance-cap']);
  });

  it.each<CallStatus>(['published', 'closed', 'unpublished'])('given a %s call, when editing, then refused as the wrong status, naming it', (status) => {
    expect(editCall(callIn(status), rules())).toEqual({ outcome: 'wrong-status', status, detail: expect.stringContaining(`is ${status}`) });
  });
});

describe('publish', () => {
  it('given a consistent draft closing in the future, when publishing, then published now and call.published carries the whole call', () => {
    const decision = acceptedOf(publishCall(callIn('draft'), NOW));

    expect(decision.state).toEqual({ ...callIn('draft'), status: 'published', publishedAt: NOW.toISOString(), version: 4 });
    expect(decision.events).toEqual([{ definition: CallPublished, data: { call: decision.state } }]);
  });

  it('given a draft whose closing time is past, when publishing, then refused: closing-time-in-future', () => {
    expect(violationNames(publishCall(callIn('draft'), new Date(Date.parse(CLOSES_AT) + 1)))).toEqual(['closing-time-in-future']);
  });

  it('given a draft closing exactly now, when publishing, then refused: closing-time-in-future', () => {
    expect(violationNames(publishCall(callIn('draft'), new Date(CLOSES_AT)))).toEqual(['closing-time-in-future']);
  });

  it('given a draft whose rules became inconsistent, when publishing, then refused with them', () => {
    const draft = callIn('draft', { paymentSchedule: { advanceBps: 3_000, interimCapBps: 9_000 } });

    expect(violationNames(publishCall(draft, NOW))).toEqual(['interim-cap']);
  });

  it.each<CallStatus>(['published', 'closed', 'unpublished'])('given a %s call, when publishing, then refused as the wrong status', (status) => {
    expect(publishCall(callIn(status), NOW)).toMatchObject({ outcome: 'wrong-status', status });
  });
});

describe('close manually', () => {
  it('given a published call, when its manager closes it, then closed now and call.closed says manual, with the note', () => {
    const decision = acceptedOf(closeCall(callIn('published'), { note: ' Enveloppe épuisée ' }, NOW));

    expect(decision.state).toEqual({ ...callIn('published'), status: 'closed', closedAt: NOW.toISOString(), version: 4 });
    expect(decision.events).toEqual([{ definition: CallClosed, data: { call: decision.state, reason: 'manual', note: 'Enveloppe épuisée' } }]);
  });

  it('given a published call, when closing without a note, then the event carries none', () => {
    expect(acceptedOf(closeCall(callIn('published'), {}, NOW)).events[0]!.data).not.toHaveProperty('note');
  });

  it.each<CallStatus>(['draft', 'closed', 'unpublished'])('given a %s call, when closing, then refused as the wrong status', (status) => {
    expect(closeCall(callIn(status), {}, NOW)).toMatchObject({ outcome: 'wrong-status', status });
  });
});

describe('close at closing time', () => {
  it('given a published call whose closing time is reached, when the scheduler runs, then closed with reason closing-time', () => {
    const at = new Date(CLOSES_AT);

    const decision = acceptedOf(closeAtClosingTime(callIn('published'), at));

    expect(decision.state).toMatchObject({ status: 'closed', closedAt: at.toISOString(), version: 4 });
    expect(decision.events).toEqual([{ definition: CallClosed, data: { call: decision.state, reason: 'closing-time' } }]);
  });

  it('given a published call still open, when the scheduler runs, then refused: closing-time-not-reached', () => {
    expect(violationNames(closeAtClosingTime(callIn('published'), NOW))).toEqual(['closing-time-not-reached']);
  });

  it('given a call already closed (by another instance or its manager), when the scheduler runs, then refused as the wrong status', () => {
    expect(closeAtClosingTime(callIn('closed'), new Date(CLOSES_AT))).toMatchObject({ outcome: 'wrong-status', status: 'closed' });
  });
});

describe('extend', () => {
  const later = '2026-04-30T23:59:59+02:00';

  it("given a published call, when extended with a reason, then its last wave closes later and call.extended gives the previous closing time", () => {
    const decision = acceptedOf(extendCall(callIn('published'), { closesAt: later, reason: ' Demande des EPCI ' }, NOW));

    expect(decision.state).toEqual({
      ...callIn('published'),
      waves: [{ ...callIn('published').waves[0]!, closesAt: later }],
      closesAt: later,
      version: 4,
    });
    expect(decision.events).toEqual([{ definition: CallExtended, data: { call: decision.state, reason: 'Demande des EPCI', previousClosesAt: CLOSES_AT } }]);
  });

  it('given several waves, when extended, then only the last wave moves', () => {
    const waves = [wave('v1', '2026-02-01T00:00:00+01:00', '2026-02-28T23:59:59+01:00'), wave('v2', '2026-03-01T00:00:00+01:00', CLOSES_AT)];

    const decision = acceptedOf(extendCall(callIn('published', { waves }), { closesAt: later, reason: 'r' }, NOW));

    expect(decision.state.waves).toEqual([waves[0], { ...waves[1], closesAt: later }]);
  });

  it('given a published call, when extended to an earlier or the same time, then refused: closing-time-later', () => {
    expect(violationNames(extendCall(callIn('published'), { closesAt: '2026-03-10T23:59:59+01:00', reason: 'r' }, NOW))).toEqual(['closing-time-later']);
    expect(violationNames(extendCall(callIn('published'), { closesAt: CLOSES_AT, reason: 'r' }, NOW))).toEqual(['closing-time-later']);
  });

  it('given a published call past its closing time, when extended to a time later but already past, then refused: closing-time-in-future', () => {
    const call = callIn('published', { closesAt: '2026-02-01T00:00:00Z', waves: [wave('v1', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')] });

    expect(violationNames(extendCall(call, { closesAt: '2026-03-01T00:00:00Z', reason: 'r' }, NOW))).toEqual(['closing-time-in-future']);
  });

  it.each([undefined, '', '   '])('given a published call, when extended without a reason (%j), then refused: reason-required', (reason) => {
    expect(violationNames(extendCall(callIn('published'), { closesAt: later, ...(reason === undefined ? {} : { reason }) }, NOW))).toEqual(['reason-required']);
  });

  it.each<CallStatus>(['draft', 'closed', 'unpublished'])('given a %s call, when extending, then refused as the wrong status', (status) => {
    expect(extendCall(callIn(status), { closesAt: later, reason: 'r' }, NOW)).toMatchObject({ outcome: 'wrong-status', status });
  });
});

describe('reopen', () => {
  const later = '2026-04-30T23:59:59+02:00';

  it('given a closed call, when reopened with a reason and a later closing time, then published again, no longer closed, and call.reopened', () => {
    const decision = acceptedOf(reopenCall(callIn('closed'), { closesAt: later, reason: 'Report de la date limite' }, NOW));

    const { closedAt: _closedAt, ...open } = callIn('closed');
    expect(decision.state).toEqual({ ...open, status: 'published', waves: [{ ...open.waves[0]!, closesAt: later }], closesAt: later, version: 4 });
    expect(decision.events).toEqual([{ definition: CallReopened, data: { call: decision.state, reason: 'Report de la date limite' } }]);
  });

  it('given a closed call, when reopened without a reason, then refused: reason-required', () => {
    expect(violationNames(reopenCall(callIn('closed'), { closesAt: later }, NOW))).toEqual(['reason-required']);
  });

  it('given a closed call, when reopened to an earlier time, then refused: closing-time-later', () => {
    expect(violationNames(reopenCall(callIn('closed'), { closesAt: '2026-03-05T12:00:00+01:00', reason: 'r' }, NOW))).toEqual(['closing-time-later']);
  });

  it('given a call closed at its closing time, when reopened to a time later but already past, then refused: closing-time-in-future', () => {
    const call = callIn('closed', { closesAt: '2026-02-01T00:00:00Z', waves: [wave('v1', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')] });

    expect(violationNames(reopenCall(call, { closesAt: '2026-02-15T00:00:00Z', reason: 'r' }, NOW))).toEqual(['closing-time-in-future']);
  });

  it('given a closed call, when reopened without reason and to an earlier time, then one violation per broken rule', () => {
    expect(violationNames(reopenCall(callIn('closed'), { closesAt: '2026-03-01T00:00:00Z', reason: '' }, NOW))).toEqual([
      'reason-required',
      'closing-time-later',
      'closing-time-in-future',
    ]);
  });

  it.each<CallStatus>(['draft', 'published', 'unpublished'])('given a %s call, when reopening, then refused as the wrong status', (status) => {
    expect(reopenCall(callIn(status), { closesAt: later, reason: 'r' }, NOW)).toMatchObject({ outcome: 'wrong-status', status });
  });
});

describe('unpublish', () => {
  it('given a published call, when unpublished with a reason, then unpublished and call.unpublished carries it', () => {
    const decision = acceptedOf(unpublishCall(callIn('published'), { reason: 'Publié par erreur' }));

    expect(decision.state).toEqual({ ...callIn('published'), status: 'unpublished', version: 4 });
    expect(decision.events).toEqual([{ definition: CallUnpublished, data: { call: decision.state, reason: 'Publié par erreur' } }]);
  });

  it('given a published call, when unpublished without a reason, then the event carries none', () => {
    expect(acceptedOf(unpublishCall(callIn('published'), {})).events[0]!.data).toEqual({ call: expect.objectContaining({ status: 'unpublished' }) });
  });

  it.each<CallStatus>(['draft', 'closed', 'unpublished'])('given a %s call, when unpublishing, then refused as the wrong status', (status) => {
    expect(unpublishCall(callIn(status), {})).toMatchObject({ outcome: 'wrong-status', status });
  });
});

describe('Paris time', () => {
  it('given an instant with its offset, when shown, then it reads in Europe/Paris local time, daylight saving included', () => {
    expect(parisTime('2026-03-31T23:59:59+02:00')).toBe('mardi 31 mars 2026 à 23:59:59 UTC+2');
    expect(parisTime('2026-01-31T22:59:59Z')).toBe('samedi 31 janvier 2026 à 23:59:59 UTC+1');
  });
});
