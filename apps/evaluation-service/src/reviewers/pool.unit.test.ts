import { describe, expect, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { acceptedState } from '../testing/fixtures';
import { claim, emptyPool, loadsFor, NOT_IN_POOL, removeReviewer, upsertReviewer, type PoolState, type ReviewerProfile } from './pool';

const profile = (overrides: Partial<ReviewerProfile> = {}): ReviewerProfile => ({ name: 'Relecteur', email: 'relecteur@example.org', departement: '38', expertise: [], ...overrides });
const poolOf = (...ids: string[]): PoolState => ids.reduce((pool, id) => acceptedState(upsertReviewer(pool, id, profile())), emptyPool('call-1'));

describe('upsertReviewer', () => {
  const spec = decider(upsertReviewer);

  it('given an empty pool, when a reviewer is added, then they are active with no load', () => {
    spec.given(emptyPool('call-1')).when('a', profile()).then().thenState({ reviewers: [{ reviewerId: 'a', active: true, load: 0, departement: '38' }] });
  });

  it('given a reviewer with open assignments, when their profile is updated, then their load stays', () => {
    const loaded = acceptedState(claim(poolOf('a'), 'd1', ['a']));
    spec.given(loaded).when('a', profile({ departement: '69' })).thenState({ reviewers: [{ reviewerId: 'a', departement: '69', load: 1 }] });
  });

  it('given a reviewer who left, when added again, then they come back', () => {
    spec.given(acceptedState(removeReviewer(poolOf('a'), 'a'))).when('a', profile()).thenState({ reviewers: [{ reviewerId: 'a', active: true }] });
  });
});

describe('removeReviewer', () => {
  const spec = decider(removeReviewer);

  it('given an active reviewer, when removed, then they stay in the pool inactive (their assignments go on)', () => {
    spec.given(poolOf('a', 'b')).when('a').then().thenState({ reviewers: [{ reviewerId: 'a', active: false }, { reviewerId: 'b', active: true }] });
  });

  it('given a reviewer not in the pool, or gone already, when removed, then it does not apply (the route answers 404)', () => {
    spec.given(poolOf('a')).when('z').thenWrongStatus(NOT_IN_POOL);
    spec.given(acceptedState(removeReviewer(poolOf('a'), 'a'))).when('a').thenWrongStatus(NOT_IN_POOL);
  });
});

describe('claim', () => {
  const spec = decider(claim);

  it('given a pool, when a dossier claims two reviewers, then their loads move by one each', () => {
    spec.given(poolOf('a', 'b', 'c')).when('d1', ['b', 'a']).then().thenState({ claims: { d1: ['a', 'b'] }, reviewers: [{ load: 1 }, { load: 1 }, { load: 0 }] });
  });

  it('given the same claim again (a retried assignment), when claimed, then nothing happens: nothing is counted twice', () => {
    spec.given(acceptedState(claim(poolOf('a', 'b'), 'd1', ['a']))).when('d1', ['a']).thenNothingHappens();
  });

  it('given a claim, when it is replaced by another set, then the loads move by the difference and an empty claim is dropped', () => {
    const claimed = acceptedState(claim(poolOf('a', 'b'), 'd1', ['a']));
    spec.given(claimed).when('d1', ['b']).thenState({ claims: { d1: ['b'] }, reviewers: [{ load: 0 }, { load: 1 }] });
    spec.given(claimed).when('d1', []).thenState({ claims: {}, reviewers: [{ load: 0 }, { load: 0 }] });
  });

  it('given a dossier’s own claim, when its assignment looks at the loads, then that claim does not count against its reviewers', () => {
    const claimed = acceptedState(claim(poolOf('a', 'b'), 'd1', ['a']));
    expect(loadsFor(claimed, 'd1').get('a')).toBe(0);
    expect(loadsFor(claimed, 'd2').get('a')).toBe(1);
  });
});
