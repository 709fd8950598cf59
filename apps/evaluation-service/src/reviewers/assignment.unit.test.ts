import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EvaluationConflictDeclared, EvaluationReviewDueSoon, EvaluationReviewersAssigned, type CallSnapshot, type EvaluationSettings } from '@aap/contracts';
import { openEvaluation, type EvaluationState } from '../evaluations/evaluation';
import { decider, thenOf } from '@aap/test-harness/decider-spec';
import { acceptedState, testCall, testDossier, type DossierOptions } from '../testing/fixtures';
import { assignReviewers, declareConflict, openAssignees, remindReviewer, tieBreak } from './assignment';
import { conflictsOf } from './conflicts';
import { emptyPool, upsertReviewer, withClaim, type PoolState, type ReviewerProfile } from './pool';

const NOW = new Date('2026-11-02T09:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;

const callWith = (reviewersPerDossier: number, settings: Partial<EvaluationSettings> = {}) => testCall({ callId: 'call-1', reviewersPerDossier }, settings);
const inReview = (call: CallSnapshot, options: DossierOptions = {}): EvaluationState => ({ ...openEvaluation(testDossier(call, options), NOW), stage: 'in-review', dossierStatus: 'under-review' });
const profile = (overrides: Partial<ReviewerProfile> = {}): ReviewerProfile => ({ name: 'Relecteur', email: 'relecteur@example.org', departement: '38', expertise: [], ...overrides });
/** The pool with this reviewer added. */
const withReviewer = (pool: PoolState, reviewerId: string, reviewer: ReviewerProfile): PoolState => acceptedState(upsertReviewer(pool, reviewerId, reviewer));
const poolOf = (...reviewers: Array<[string, Partial<ReviewerProfile>?]>): PoolState =>
  reviewers.reduce((pool, [id, overrides]) => withReviewer(pool, id, profile(overrides)), emptyPool('call-1'));

/** Assigns and claims, as the assigner does: the next evaluation state and the pool with the loads. */
function assignAndClaim(state: EvaluationState, call: CallSnapshot, pool: PoolState) {
  const decision = assignReviewers(state, call, pool, 'admissible', NOW);
  const next = acceptedState(decision);
  return { decision, state: next, pool: withClaim(pool, state.dossierId, openAssignees(next)) };
}

describe('reviewer assignment', () => {
  const assign = decider(assignReviewers);

  it('given a pool of four and a call of three reviewers, when a dossier becomes admissible, then the three least loaded are assigned with their deadline', () => {
    const call = callWith(3, { reviewDays: 10 });
    let pool = poolOf(['a'], ['b'], ['c'], ['d']);
    pool = withClaim(pool, 'other-dossier', ['b']);
    const { decision } = assign.given(inReview(call)).when(call, pool, 'admissible', NOW).then({ definition: EvaluationReviewersAssigned, data: { cause: 'admissible', missing: 0 } });
    const state = acceptedState(decision);
    expect(state.assignments.map((a) => a.reviewerId).sort()).toEqual(['a', 'c', 'd']);
    expect(state.assignments.every((a) => a.state === 'assigned' && a.dueAt.getTime() === NOW.getTime() + 10 * DAY_MS)).toBe(true);
  });

  it('given the same inputs, when assigned twice, then the same reviewers are chosen; equal loads are broken by the stable hash of dossier and reviewer', () => {
    const call = callWith(2);
    const pool = poolOf(['a'], ['b'], ['c'], ['d'], ['e']);
    const state = inReview(call);
    const first = assignAndClaim(state, call, pool).state.assignments.map((a) => a.reviewerId);
    const second = assignAndClaim(state, call, pool).state.assignments.map((a) => a.reviewerId);
    expect(second).toEqual(first);
    const byHash = ['a', 'b', 'c', 'd', 'e'].sort((x, y) => tieBreak(state.dossierId, x) - tieBreak(state.dossierId, y));
    expect(first).toEqual(byHash.slice(0, 2));
  });

  it('given reviewers in conflict, when a dossier is assigned, then they are never chosen and the lacking reviewers are counted as missing', () => {
    const call = callWith(3, { excludeReviewersOfSameDepartement: true });
    const pool = poolOf(['own', { organisationSiren: '123456789' }], ['local', { departement: '69' }], ['far']);
    const state = inReview(call, { applicant: { organisationId: '12345678900012' } });
    const { decision } = assign.given(state).when(call, pool, 'admissible', NOW).then({ definition: EvaluationReviewersAssigned, data: { missing: 2, reviewers: [{ reviewerId: 'far' }] } });
    expect(acceptedState(decision).assignments.map((a) => a.reviewerId)).toEqual(['far']);
  });

  it('given a reviewer who left the pool, when a dossier is assigned, then they are not chosen', () => {
    const call = callWith(2);
    const pool = { ...poolOf(['a'], ['b'], ['c']), reviewers: poolOf(['a'], ['b'], ['c']).reviewers.map((r) => (r.reviewerId === 'b' ? { ...r, active: false } : r)) };
    const { state } = assignAndClaim(inReview(call), call, pool);
    expect(state.assignments.map((a) => a.reviewerId).sort()).toEqual(['a', 'c']);
  });

  it('given an evaluation already complete, when assigned again, then nothing changes and no event is emitted', () => {
    const call = callWith(2);
    const pool = poolOf(['a'], ['b'], ['c']);
    const first = assignAndClaim(inReview(call), call, pool);
    assign.given(first.state).when(call, first.pool, 'completed-by-manager', NOW).thenNothingHappens();
  });

  it('given an evaluation still at admissibility, when reviewers are assigned, then it is refused as the wrong stage', () => {
    const call = callWith(2);
    assign.given(openEvaluation(testDossier(call), NOW)).when(call, poolOf(['a']), 'admissible', NOW).thenWrongStatus('admissibility');
  });

  it('given an assigned reviewer, when they declare a conflict, then the assignment is recused and a replacement (never them) is assigned in the same decision', () => {
    const call = callWith(2);
    const assigned = assignAndClaim(inReview(call), call, poolOf(['a'], ['b'], ['c']));
    const leaving = assigned.state.assignments[0]!.reviewerId;
    const { decision: recused } = decider(declareConflict)
      .given(assigned.state)
      .when(leaving, 'ancien salarié du porteur', NOW)
      .then({ definition: EvaluationConflictDeclared, data: { reviewerId: leaving } });
    const replaced = assignAndClaim(acceptedState(recused), call, assigned.pool);
    const open = replaced.state.assignments.filter((a) => a.state === 'assigned').map((a) => a.reviewerId);
    expect(open).toHaveLength(2);
    expect(open).not.toContain(leaving);
    expect(replaced.state.assignments.find((a) => a.reviewerId === leaving)).toMatchObject({ state: 'recused', recusalReason: 'ancien salarié du porteur' });
    thenOf(replaced.decision).then({ definition: EvaluationReviewersAssigned, data: { reviewers: [{ reviewerId: ['a', 'b', 'c'].find((id) => !assigned.state.assignments.some((a) => a.reviewerId === id)) }] } });
    // The loads follow: the recused reviewer's claim is released, the replacement's added.
    expect(replaced.pool.reviewers.find((r) => r.reviewerId === leaving)!.load).toBe(0);
    expect(replaced.pool.reviewers.map((r) => r.load).reduce((x, y) => x + y)).toBe(2);
  });

  it('given a reviewer without an open assignment, when they declare a conflict, then it is refused', () => {
    const call = callWith(1);
    const { state } = assignAndClaim(inReview(call), call, poolOf(['a']));
    decider(declareConflict).given(state).when('z', 'x', NOW).thenWrongStatus('not-assigned');
    const submitted = { ...state, assignments: state.assignments.map((a) => ({ ...a, state: 'submitted' as const })) };
    decider(declareConflict).given(submitted).when('a', 'x', NOW).thenWrongStatus('submitted');
  });

  it('given a claim left by an earlier attempt at the same dossier, when assigned again, then that claim does not count against its reviewers and nothing is counted twice', () => {
    const call = callWith(1);
    const state = inReview(call);
    const pool = poolOf(['a'], ['b']);
    const first = assignAndClaim(state, call, pool);
    const retried = assignAndClaim(state, call, first.pool);
    expect(retried.state.assignments).toEqual(first.state.assignments);
    expect(retried.pool).toEqual(first.pool);
  });

  it('given a submitted review or a withdrawn dossier, when its claim is settled, then it no longer weighs on the reviewer load', () => {
    const call = callWith(2);
    const assigned = assignAndClaim(inReview(call), call, poolOf(['a'], ['b']));
    const submitted = { ...assigned.state, assignments: assigned.state.assignments.map((a) => (a.reviewerId === 'a' ? { ...a, state: 'submitted' as const } : a)) };
    const afterReview = withClaim(assigned.pool, submitted.dossierId, openAssignees(submitted));
    expect(afterReview.reviewers.map((r) => [r.reviewerId, r.load])).toEqual([['a', 0], ['b', 1]]);
    const afterWithdrawal = withClaim(afterReview, submitted.dossierId, openAssignees({ ...submitted, stage: 'withdrawn' }));
    expect(afterWithdrawal.reviewers.map((r) => r.load)).toEqual([0, 0]);
    expect(afterWithdrawal.claims).toEqual({});
  });

  it('given an open assignment, when its reminder day comes, then one evaluation.review-due-soon is emitted and recorded; a second run emits nothing', () => {
    const call = callWith(1, { reviewDays: 10 });
    const { state } = assignAndClaim(inReview(call), call, poolOf(['a']));
    const remind = decider(remindReviewer);
    remind.given(state).when('a', 3, new Date(NOW.getTime() + 6 * DAY_MS)).thenNothingHappens();
    const due = new Date(NOW.getTime() + 7 * DAY_MS);
    const { decision } = remind.given(state).when('a', 3, due).then({ definition: EvaluationReviewDueSoon, data: { reviewerId: 'a', dueAt: state.assignments[0]!.dueAt.toISOString() } });
    const reminded = acceptedState(decision);
    expect(reminded.assignments[0]!.remindedAt).toEqual(due);
    remind.given(reminded).when('a', 3, due).thenNothingHappens();
  });
});

describe('reviewer assignment (properties)', () => {
  const departements = ['69', '38', '74'];
  const reviewerArb = fc.record({ departement: fc.constantFrom(...departements), organisationSiren: fc.option(fc.constantFrom('111111111', '222222222'), { nil: undefined }) });
  const dossierArb = fc.record({ departement: fc.constantFrom(...departements), siren: fc.constantFrom('111111111', '222222222', '333333333') });

  it('never assigns a reviewer in conflict, nor more than reviewersPerDossier', () => {
    fc.assert(
      fc.property(fc.array(reviewerArb, { minLength: 1, maxLength: 10 }), fc.array(dossierArb, { minLength: 1, maxLength: 15 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), (reviewers, dossiers, perDossier, sameDepartement) => {
        const call = callWith(perDossier, { excludeReviewersOfSameDepartement: sameDepartement });
        let pool = reviewers.reduce((p, r, i) => withReviewer(p, `r${i}`, profile({ departement: r.departement, ...(r.organisationSiren ? { organisationSiren: r.organisationSiren } : {}) })), emptyPool('call-1'));
        for (const d of dossiers) {
          const state = inReview(call, { applicant: { organisationId: `${d.siren}00012`, territory: { departements: [d.departement], regions: ['84'] } } });
          const next = assignAndClaim(state, call, pool);
          pool = next.pool;
          expect(next.state.assignments.length).toBeLessThanOrEqual(perDossier);
          for (const a of next.state.assignments) {
            const reviewer = pool.reviewers.find((r) => r.reviewerId === a.reviewerId)!;
            expect(conflictsOf(reviewer, state.snapshot.applicant, { excludeReviewersOfSameDepartement: sameDepartement, excludeReviewersOfSameEpci: false })).toEqual([]);
          }
        }
      }),
    );
  });

  it('keeps loads within one of each other when nobody is excluded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 5 }), (reviewerCount, dossierCount, perDossier) => {
        const call = callWith(perDossier);
        let pool = poolOf(...Array.from({ length: reviewerCount }, (_, i): [string] => [`r${i}`]));
        for (let i = 0; i < dossierCount; i++) {
          pool = assignAndClaim(inReview(call), call, pool).pool;
          const loads = pool.reviewers.map((r) => r.load);
          expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
        }
        expect(pool.reviewers.reduce((sum, r) => sum + r.load, 0)).toBe(dossierCount * Math.min(perDossier, reviewerCount));
      }),
      { numRuns: 60 },
    );
  });
});
