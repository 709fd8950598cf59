import { describe, expect, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { AwardAmountReleased, AwardExecutionStarted, AwardLapsed, AwardStartDeadlineExtended } from '@aap/contracts';
import { NOW, at, awardInExecution, awardWithPaidAdvance, grantedAward, must } from '../award-fixtures';
import { pendingLapse } from '../awards/award';
import { refuseTranche, requestBalance } from '../tranches/tranche';
import { advanceCursor, daysToWalk, type DeadlineCursor } from './deadline-cursor';
import { applyDeadlines, declareStart, extendStartDeadline } from './execution';

// The fixture award was notified on 2027-01-10: execution must start by 2029-01-10.

describe('declareStart', () => {
  const spec = decider(declareStart);

  it('given a granted award, when the beneficiary declares the start, then completion is due 48 months later', () => {
    spec
      .given(grantedAward())
      .when({ startedOn: '2027-01-15', by: 'applicant-1' }, NOW)
      .then({ definition: AwardExecutionStarted, data: { startedOn: '2027-01-15', completionDeadline: '2031-01-15', declaredBy: 'applicant-1' } })
      .thenState({ status: 'in-execution', startedOn: '2027-01-15', completionDeadline: '2031-01-15' });
  });

  it('given a start in the future or after the start deadline, when declared, then each rule is named', () => {
    spec.given(grantedAward()).when({ startedOn: '2027-03-01', by: 'applicant-1' }, NOW).thenRefused('start-not-future');
    spec.given(grantedAward()).when({ startedOn: '2029-01-11', by: 'applicant-1' }, at('2029-02-01T10:00:00Z')).thenRefused('start-deadline');
  });

  it('given a started award, when the same start is declared again, then nothing happens; another date, then its status forbids it', () => {
    spec.given(awardInExecution()).when({ startedOn: '2027-01-15', by: 'applicant-1' }, NOW).thenNothingHappens();
    spec.given(awardInExecution()).when({ startedOn: '2027-01-20', by: 'applicant-1' }, NOW).thenWrongStatus('in-execution');
  });
});

describe('extendStartDeadline', () => {
  const spec = decider(extendStartDeadline);
  const extend = { months: 12, reason: 'Marché infructueux', by: 'manager-1' };

  it('given a granted award, when its start deadline is extended by a year, then it moves once', () => {
    spec.given(grantedAward()).when(extend, NOW).then({ definition: AwardStartDeadlineExtended, data: { months: 12, startDeadline: '2030-01-10' } }).thenState({ startDeadline: '2030-01-10', startExtended: true });
  });

  it('given an extension already granted, when extended again, then single-extension refuses it; more than 12 months, extension-max', () => {
    spec.given(must(extendStartDeadline(grantedAward(), { ...extend, months: 6 }, NOW))).when({ ...extend, months: 6 }, NOW).thenRefused('single-extension');
    spec.given(grantedAward()).when({ ...extend, months: 13 }, NOW).thenRefused('extension-max');
  });

  it('given a passed deadline, when extended, then start-deadline-passed refuses it; a started award has no start deadline to extend', () => {
    spec.given(grantedAward()).when(extend, at('2029-01-11T10:00:00Z')).thenRefused('start-deadline-passed');
    spec.given(awardInExecution()).when(extend, NOW).thenWrongStatus('in-execution');
  });
});

describe('applyDeadlines (the injected clock)', () => {
  const spec = decider(applyDeadlines);

  it('given an award not started, on its start deadline, then nothing happens; the day after, it lapses and releases the whole grant', () => {
    spec.given(grantedAward()).when(at('2029-01-10T22:00:00Z')).thenNothingHappens();
    spec
      .given(grantedAward())
      .when(at('2029-01-10T23:00:00Z')) // midnight in Paris: 2029-01-11
      .then({ definition: AwardLapsed, data: { reason: 'not-started', deadline: '2029-01-10' } }, { definition: AwardAmountReleased, data: { amountCents: 2_000_000, cause: 'lapse' } })
      .thenState({ status: 'lapsed', releasedCents: 2_000_000 });
  });

  it('given an extended start deadline, when the first one passes, then nothing happens', () => {
    const extended = must(extendStartDeadline(grantedAward(), { months: 12, reason: 'Retard', by: 'manager-1' }, NOW));
    spec.given(extended).when(at('2029-06-01T10:00:00Z')).thenNothingHappens();
    spec.given(extended).when(at('2030-01-11T10:00:00Z')).then(AwardLapsed, AwardAmountReleased);
  });

  it('given an award in execution with its advance paid, when completion is not declared in time, then it lapses and releases what it has not paid', () => {
    spec
      .given(awardWithPaidAdvance())
      .when(at('2031-01-16T10:00:00Z'))
      .then({ definition: AwardLapsed, data: { reason: 'not-completed', deadline: '2031-01-15' } }, { definition: AwardAmountReleased, data: { amountCents: 1_400_000 } });
  });

  it('given the balance asked in time, when the completion deadline passes, then nothing happens', () => {
    const asked = must(requestBalance(awardWithPaidAdvance(), { actualEligibleExpensesCents: 4_000_000, by: 'applicant-1' }, NOW));
    spec.given(asked).when(at('2031-06-01T10:00:00Z')).thenNothingHappens();
  });

  it('given a lapsed award, when the job runs again, then nothing happens', () => {
    const lapsed = must(applyDeadlines(grantedAward(), at('2029-02-01T10:00:00Z')));
    spec.given(lapsed).when(at('2029-03-01T10:00:00Z')).thenNothingHappens();
  });
});

describe('declareStart: a start so early that completion is overdue', () => {
  it('given a start more than 48 months back, when declared, then completion-deadline-passed refuses it (it would lapse at once)', () => {
    decider(declareStart).given(grantedAward()).when({ startedOn: '2023-01-31', by: 'applicant-1' }, NOW).thenRefused('completion-deadline-passed');
  });
});

describe('pendingLapse (what the store indexes as deadlineDay)', () => {
  it('given a granted award, then it lapses the day after its start deadline; started, the day after its completion deadline', () => {
    expect(pendingLapse(grantedAward())).toEqual({ reason: 'not-started', deadline: '2029-01-10', day: '2029-01-11' });
    expect(pendingLapse(awardInExecution())).toEqual({ reason: 'not-completed', deadline: '2031-01-15', day: '2031-01-16' });
  });

  it('given the balance asked, or a closed award, then nothing is pending', () => {
    expect(pendingLapse(must(requestBalance(awardWithPaidAdvance(), { actualEligibleExpensesCents: 4_000_000, by: 'applicant-1' }, NOW)))).toBeUndefined();
    expect(pendingLapse(must(applyDeadlines(grantedAward(), at('2029-02-01T10:00:00Z'))))).toBeUndefined();
  });

  it('given the balance refused after the completion deadline, then the award lapses from the day of the refusal (the job walks that day)', () => {
    const asked = must(requestBalance(awardWithPaidAdvance(), { actualEligibleExpensesCents: 4_000_000, by: 'applicant-1' }, NOW));
    const refused = must(refuseTranche(asked, { trancheId: asked.tranches.at(-1)!.trancheId, reason: 'Rapport incomplet', by: 'finance-1' }, at('2031-03-02T10:00:00Z')));
    expect(pendingLapse(refused)).toEqual({ reason: 'not-completed', deadline: '2031-01-15', day: '2031-03-02' });
    decider(applyDeadlines).given(refused).when(at('2031-03-02T11:00:00Z')).then({ definition: AwardLapsed, data: { reason: 'not-completed', deadline: '2031-01-15' } }, AwardAmountReleased);
  });
});

describe('the deadline job’s cursor', () => {
  const cursor = (day: string): DeadlineCursor => ({ id: 'award-lapses', day, version: 3 });

  it('given no cursor, then the first run walks today; given one, the days from it to today, each once', () => {
    expect(daysToWalk(null, '2027-02-01')).toEqual(['2027-02-01']);
    expect(daysToWalk(cursor('2027-02-27'), '2027-03-02')).toEqual(['2027-02-27', '2027-02-28', '2027-03-01', '2027-03-02']);
  });

  it('given a clock moved back, then only today is walked and the cursor stays', () => {
    expect(daysToWalk(cursor('2029-01-11'), '2027-02-01')).toEqual(['2027-02-01']);
    decider(advanceCursor).given(cursor('2029-01-11')).when({ id: 'award-lapses', today: '2027-02-01' }).thenNothingHappens();
  });

  it('given a walk up to today, then the cursor moves to today (created on the first run)', () => {
    decider(advanceCursor).given(cursor('2027-02-01')).when({ id: 'award-lapses', today: '2029-01-11' }).thenState({ day: '2029-01-11', version: 3 });
    decider<DeadlineCursor | null, { id: string; today: string }>(advanceCursor).given(null).when({ id: 'award-lapses', today: '2027-02-01' }).thenState({ id: 'award-lapses', day: '2027-02-01' });
    decider(advanceCursor).given(cursor('2027-02-01')).when({ id: 'award-lapses', today: '2027-02-01' }).thenNothingHappens();
  });
});
