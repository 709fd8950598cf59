import { describe, expect, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { CLAIM_GRACE_MS, claimPlace, holdPlace, initialPlaces, releasePlace, statusesMatter, wavePlaceViolations, type ClaimedStatuses, type WavePlaces } from './wave-places';

const NOW = new Date('2026-03-10T10:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const oneDossier = { maxActiveDossiersPerApplicantPerWave: 1 };
const twoDossiers = { maxActiveDossiersPerApplicantPerWave: 2 };
const placesWith = (...claims: Array<[string, Date]>): WavePlaces => ({ placesId: 'org|call|w1', claims: claims.map(([dossierId, claimedAt]) => ({ dossierId, claimedAt })), version: 4 });

describe('the per-wave rule', () => {
  it('given fewer other active dossiers than the call allows, then no violation; as many, then active-dossiers-per-wave', () => {
    expect(wavePlaceViolations(0, oneDossier)).toEqual([]);
    expect(wavePlaceViolations(1, twoDossiers)).toEqual([]);
    expect(wavePlaceViolations(1, oneDossier)).toEqual([{ name: 'active-dossiers-per-wave', detail: 'the organisation already has 1 active dossier(s) in this wave (at most 1)' }]);
  });

  it('given the dossiers already in a wave, when its places are first kept, then each active one holds a place', () => {
    const places = initialPlaces('org|call|w1', [
      { dossierId: 'd-draft', status: 'draft' },
      { dossierId: 'd-submitted', status: 'submitted', submittedAt: ago(1_000) },
      { dossierId: 'd-withdrawn', status: 'withdrawn', submittedAt: ago(2_000) },
    ]);
    expect(places).toEqual({ placesId: 'org|call|w1', claims: [{ dossierId: 'd-submitted', claimedAt: ago(1_000) }], version: 1 });
  });
});

describe('claiming a place', () => {
  const claim = decider((places: WavePlaces, command: { dossierId: string; statuses: ClaimedStatuses; max: typeof oneDossier }) =>
    claimPlace(places, { dossierId: command.dossierId, call: command.max }, command.statuses, NOW),
  );

  it('given a free place, when a dossier claims it, then it holds a claim dated now', () => {
    claim.given(placesWith()).when({ dossierId: 'd-1', statuses: {}, max: oneDossier }).then().thenState({ claims: [{ dossierId: 'd-1', claimedAt: NOW }] });
  });

  it('given the last place held by an active dossier, when another claims, then refused with the rule', () => {
    claim.given(placesWith(['d-1', ago(CLAIM_GRACE_MS * 10)])).when({ dossierId: 'd-2', statuses: { 'd-1': 'submitted' }, max: oneDossier }).thenRefused('active-dossiers-per-wave');
  });

  it('given the last place claimed a moment ago by a draft (its submit under way), when another claims, then refused', () => {
    claim.given(placesWith(['d-1', ago(1_000)])).when({ dossierId: 'd-2', statuses: { 'd-1': 'draft' }, max: oneDossier }).thenRefused('active-dossiers-per-wave');
  });

  it('given a claim left on a draft by a submit that crashed long ago, or by a withdrawn dossier, when another claims, then they no longer count and are dropped', () => {
    const places = placesWith(['d-crashed', ago(CLAIM_GRACE_MS + 1)], ['d-withdrawn', ago(1_000)], ['d-gone', ago(1_000)]);
    claim
      .given(places)
      .when({ dossierId: 'd-2', statuses: { 'd-crashed': 'draft', 'd-withdrawn': 'withdrawn' }, max: oneDossier })
      .thenState({ claims: [{ dossierId: 'd-2', claimedAt: NOW }] });
  });

  it("given the dossier's own earlier claim (a retried submit), when it claims again, then the claim is renewed, not counted against it", () => {
    claim.given(placesWith(['d-1', ago(1_000)])).when({ dossierId: 'd-1', statuses: { 'd-1': 'draft' }, max: oneDossier }).thenState({ claims: [{ dossierId: 'd-1', claimedAt: NOW }] });
  });
});

describe('when the claimed dossiers are worth reading', () => {
  it('given other claims fewer than the call allows, then their statuses do not matter (every one counting still leaves a place); as many, then they do', () => {
    const twoClaims = placesWith(['d-1', ago(1_000)], ['d-2', ago(2_000)]);
    expect(statusesMatter(twoClaims, 'd-3', { maxActiveDossiersPerApplicantPerWave: 3 })).toBe(false);
    expect(statusesMatter(twoClaims, 'd-3', twoDossiers)).toBe(true);
    // The dossier's own claim (a retried submit) is not another's.
    expect(statusesMatter(twoClaims, 'd-2', twoDossiers)).toBe(false);
  });

  it('given statuses not read (null), when a dossier claims a place, then every other claim counts and is kept', () => {
    const places = placesWith(['d-1', ago(CLAIM_GRACE_MS * 10)]);
    decider(claimPlace)
      .given(places)
      .when({ dossierId: 'd-2', call: twoDossiers }, null, NOW)
      .thenState({ claims: [{ dossierId: 'd-1', claimedAt: ago(CLAIM_GRACE_MS * 10) }, { dossierId: 'd-2', claimedAt: NOW }] });
    decider(claimPlace).given(places).when({ dossierId: 'd-2', call: oneDossier }, null, NOW).thenRefused('active-dossiers-per-wave');
  });
});

describe('giving a place back, holding it again', () => {
  it('given a claim, when the dossier gives its place back, then the claim goes; without one, nothing happens', () => {
    decider(releasePlace).given(placesWith(['d-1', NOW], ['d-2', NOW])).when('d-1').thenState({ claims: [{ dossierId: 'd-2', claimedAt: NOW }] });
    decider(releasePlace).given(placesWith(['d-2', NOW])).when('d-1').thenNothingHappens();
  });

  it('given a dossier active again (a reopened decision), when it holds its place, then it is claimed; one already claimed changes nothing', () => {
    decider(holdPlace).given(placesWith()).when('d-1', NOW).thenState({ claims: [{ dossierId: 'd-1', claimedAt: NOW }] });
    decider(holdPlace).given(placesWith(['d-1', ago(5_000)])).when('d-1', NOW).thenNothingHappens();
  });
});
