import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decider } from '@aap/test-harness/decider-spec';
import { AwardAmountReleased, AwardCancelled, AwardGranted } from '@aap/contracts';
import { addMonths, agreementRequired, cancelAward, dueOnExpenses, grantAward, mulDivFloor, scheduleOf, type AwardState, type GrantAward } from './award';
import { DOSSIER, FUNDING, NOTIFIED_AT, NOW, PROJECT, at, awardWithPaidAdvance, grantedAward, must } from '../award-fixtures';

const grant = (overrides: Partial<GrantAward> = {}): GrantAward => ({
  awardId: 'award-d-1',
  dossier: DOSSIER,
  grantCents: 2_000_000,
  eligibleCostCents: 4_000_000,
  beneficiaryKind: 'commune',
  notifiedAt: NOTIFIED_AT,
  ...overrides,
});

describe('grantAward', () => {
  const spec = decider<AwardState | null, GrantAward, [Date]>(grantAward);

  it('given an accepted dossier, when granted, then the award holds the grant, the cost, the schedule and the start deadline two years on', () => {
    spec
      .given(null)
      .when(grant(), at(NOTIFIED_AT))
      .then({
        definition: AwardGranted,
        data: {
          awardId: 'award-d-1',
          ...DOSSIER,
          grantCents: 2_000_000,
          eligibleCostCents: 4_000_000,
          effectiveRateBps: 5_000,
          schedule: { advanceBps: 3_000, interimCapBps: 8_000, startWithinMonths: 24, completionWithinMonths: 48 },
          startDeadline: '2029-01-10',
          beneficiaryKind: 'commune',
        },
      })
      .thenState({ status: 'granted', tranches: [], recoveries: [], releasedCents: 0, startExtended: false });
  });

  it('given the award it created, when the acceptance is decided again (a redelivery), then nothing happens', () => {
    spec.given(grantedAward()).when(grant(), NOW).thenNothingHappens();
  });

  it('given a grant above the eligible cost, when granted, then grant-within-cost refuses it (décret 2018-514 art. 10)', () => {
    spec.given(null).when(grant({ grantCents: 4_000_001 }), NOW).thenRefused('grant-within-cost');
  });

  it('given a zero grant and a fractional cost, when granted, then each amount is named', () => {
    const decision = spec.given(null).when(grant({ grantCents: 0, eligibleCostCents: 10.5 }), NOW).thenRefused('amount-positive', 'amount-positive').decision;
    expect(decision.outcome === 'refused' && decision.violations.map((v) => v.pointer)).toEqual(['#/grantCents', '#/eligibleCostCents']);
  });

  it('given the call’s schedule, when granted, then it is kept within the legal ceilings', () => {
    spec.given(null).when(grant({ callSchedule: { advanceBps: 2_000, interimCapBps: 7_000 } }), NOW).thenState({ schedule: { advanceBps: 2_000, interimCapBps: 7_000 } });
  });

  it('given the dossier as submitted and its call, when granted, then the award and award.granted name the beneficiary, the project, the call’s budget line and take its schedule', () => {
    const beneficiary = { name: 'Commune de Lyon', kind: 'commune' as const, organisationId: DOSSIER.organisationId };
    const described = { beneficiary, project: PROJECT, funding: FUNDING };
    spec
      .given(null)
      .when(grant({ beneficiaryKind: undefined, ...described, callSchedule: { advanceBps: 2_000, interimCapBps: 7_000 } }), at(NOTIFIED_AT))
      .then({ definition: AwardGranted, data: { ...described, beneficiaryKind: 'commune', schedule: { advanceBps: 2_000, interimCapBps: 7_000 } } })
      .thenState({ ...described, beneficiaryKind: 'commune', schedule: { advanceBps: 2_000, interimCapBps: 7_000, startWithinMonths: 24, completionWithinMonths: 48 } });
  });

  it('given a beneficiary other than the dossier’s applicant, when granted, then beneficiary-is-applicant refuses it', () => {
    spec
      .given(null)
      .when(grant({ beneficiary: { name: 'Commune de Villeurbanne', kind: 'commune', organisationId: '216902668' } }), NOW)
      .thenRefused('beneficiary-is-applicant');
  });

  it('given an acceptance without the dossier or the call (an award granted before the copies), when granted, then the award has none of their fields', () => {
    const decision = spec.given(null).when(grant(), NOW).decision;
    expect(decision.outcome === 'accepted' && decision.state).not.toHaveProperty('beneficiary');
    expect(decision.outcome === 'accepted' && decision.events[0]!.data).not.toHaveProperty('funding');
  });

  it('given an effective rate that is not a whole number of basis points, when granted, then the display rate rounds down', () => {
    spec.given(null).when(grant({ grantCents: 1_000_000, eligibleCostCents: 3_000_000 }), NOW).then({ definition: AwardGranted, data: { effectiveRateBps: 3_333 } });
  });
});

describe('scheduleOf', () => {
  it('given no call schedule, when computed, then the legal defaults apply: 30 % advance, 80 % cumulated, 24 months to start, 48 to complete', () => {
    expect(scheduleOf()).toEqual({ advanceBps: 3_000, interimCapBps: 8_000, startWithinMonths: 24, completionWithinMonths: 48 });
  });

  it('given a call asking more than the décret allows, when computed, then the legal ceilings hold', () => {
    expect(scheduleOf({ advanceBps: 6_000, interimCapBps: 9_500 })).toMatchObject({ advanceBps: 3_000, interimCapBps: 8_000 });
  });

  it('given any call settings, when computed, then the advance stays ≤ 30 % and the cumulated cap ≤ 80 % (90 % beyond 48 months)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }), (advanceBps, interimCapBps, completionWithinMonths) => {
        const schedule = scheduleOf({ advanceBps, interimCapBps, ...(completionWithinMonths ? { completionWithinMonths } : {}) });
        expect(schedule.advanceBps).toBeLessThanOrEqual(3_000);
        expect(schedule.interimCapBps).toBeLessThanOrEqual((completionWithinMonths ?? 48) > 48 ? 9_000 : 8_000);
      }),
    );
  });

  it('given a project planned over more than 48 months, when computed, then the interim cap gains ten points up to 90 % (décret 2018-514 art. 12 III)', () => {
    expect(scheduleOf({ advanceBps: 3_000, interimCapBps: 8_000, completionWithinMonths: 60 })).toMatchObject({ interimCapBps: 9_000 });
    expect(scheduleOf({ advanceBps: 3_000, interimCapBps: 6_000, completionWithinMonths: 60 })).toMatchObject({ interimCapBps: 7_000 });
    expect(scheduleOf({ advanceBps: 3_000, interimCapBps: 8_000, completionWithinMonths: 48 })).toMatchObject({ interimCapBps: 8_000 });
  });
});

describe('money', () => {
  it('given products beyond 2^53, when computing floor(a × b ÷ c), then the result is exact', () => {
    expect(mulDivFloor(9_007_199_254_740_991, 3, 7)).toBe(Number((9_007_199_254_740_991n * 3n) / 7n));
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: 10_000_000_000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (a, b, c) => {
        const exact = (BigInt(a) * BigInt(b)) / BigInt(c);
        fc.pre(exact <= BigInt(Number.MAX_SAFE_INTEGER));
        expect(mulDivFloor(a, b, c)).toBe(Number(exact));
      }),
    );
  });

  it('given actual expenses, when computing what is due, then it is the exact rate × expenses rounded down, capped at the grant', () => {
    const award = { grantCents: 1_000_000, eligibleCostCents: 3_000_000 };
    expect(dueOnExpenses(award, 100)).toBe(33);
    expect(dueOnExpenses(award, 2_999_999)).toBe(999_999);
    expect(dueOnExpenses(award, 5_000_000)).toBe(1_000_000);
  });

  it('given month ends and leap years, when adding months, then the day is clamped to the month', () => {
    expect(addMonths('2027-01-31', 1)).toBe('2027-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2028-02-29', 12)).toBe('2029-02-28');
    expect(addMonths('2027-01-10', 24)).toBe('2029-01-10');
  });
});

describe('agreementRequired (loi 2000-321 art. 10)', () => {
  it('given an association granted more than 23 000 €, then payments wait for the agreement; at 23 000 € or for a commune they do not', () => {
    expect(agreementRequired(grantedAward({ kind: 'association', grantCents: 2_300_001 }))).toBe(true);
    expect(agreementRequired(grantedAward({ kind: 'association', grantCents: 2_300_000 }))).toBe(false);
    expect(agreementRequired(grantedAward({ kind: 'commune', grantCents: 3_000_000 }))).toBe(false);
  });

  it('given a beneficiary of unknown kind above the threshold, then it is treated as an association', () => {
    expect(agreementRequired(grantedAward({ kind: null, grantCents: 3_000_000 }))).toBe(true);
  });
});

describe('cancelAward', () => {
  const spec = decider(cancelAward);

  it('given a granted award, when cancelled, then the whole grant is released', () => {
    spec
      .given(grantedAward())
      .when({ cause: 'dossier-withdrawn', reason: 'Dossier retiré' }, NOW)
      .then({ definition: AwardCancelled, data: { cause: 'dossier-withdrawn' } }, { definition: AwardAmountReleased, data: { amountCents: 2_000_000, cause: 'cancellation' } })
      .thenState({ status: 'cancelled', releasedCents: 2_000_000, cancellation: { cause: 'dossier-withdrawn', reason: 'Dossier retiré' } });
  });

  it('given a paid advance, when cancelled, then all but the advance is released', () => {
    const award = awardWithPaidAdvance();
    expect(award.tranches[0]).toMatchObject({ status: 'paid', amountCents: 600_000 });

    spec
      .given(award)
      .when({ cause: 'renounced', reason: 'Projet abandonné' }, NOW)
      .then(AwardCancelled, { definition: AwardAmountReleased, data: { amountCents: 1_400_000 } })
      .thenState({ releasedCents: 1_400_000 });
  });

  it('given a cancelled award, when cancelled again, then nothing happens', () => {
    const cancelled = must(cancelAward(grantedAward(), { cause: 'manual', reason: 'Erreur' }, NOW));
    spec.given(cancelled).when({ cause: 'manual', reason: 'Erreur' }, NOW).thenNothingHappens();
  });

  it('given no reason, when cancelled, then reason-required', () => {
    spec.given(grantedAward()).when({ cause: 'manual', reason: '  ' }, NOW).thenRefused('reason-required');
  });
});
