import { describe, expect, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { AwardAmountReleased, AwardCancelled, AwardGranted } from '@aap/contracts';
import { cancelAward, grantAward, type AwardState, type GrantAward } from '../awards/award';
import { DOSSIER, NOTIFIED_AT, NOW, at, awardWithPaidAdvance, grantedAward, must } from '../award-fixtures';
import { requestAdvance } from '../tranches/tranche';
import { declareStart } from '../execution/execution';
import { WITHDRAWN_WITHOUT_REASON, renounceAward, reopenDecision, withdrawDossier, type DossierWithdrawal } from './cancellation';

// The fixture award: 20 000 € granted on 2027-01-10 (award id 'award-d-1' in the fixtures; the handlers key it by the dossier id).
const withdrawal = (reason?: string): DossierWithdrawal => ({ dossier: DOSSIER, withdrawnAt: '2027-01-09T15:00:00.000Z', ...(reason ? { reason } : {}) });
const acceptance = (overrides: Partial<GrantAward> = {}): GrantAward => ({
  awardId: 'd-1',
  dossier: DOSSIER,
  grantCents: 2_000_000,
  eligibleCostCents: 4_000_000,
  beneficiaryKind: 'commune',
  notifiedAt: NOTIFIED_AT,
  ...overrides,
});
const stored = (award: AwardState): AwardState => ({ ...award, version: award.version + 1 });

describe('withdrawDossier', () => {
  const spec = decider<AwardState | null, DossierWithdrawal, [Date]>(withdrawDossier);

  it('given no award yet, when the dossier is withdrawn, then it is remembered on a document that is not an award (no event, no deadline)', () => {
    spec
      .given(null)
      .when(withdrawal('Projet abandonné'), NOW)
      .then()
      .thenState({ awardId: 'd-1', ...DOSSIER, status: 'withdrawn-before-grant', grantCents: 0, withdrawal: { reason: 'Projet abandonné', at: '2027-01-09T15:00:00.000Z' } });
  });

  it('given a granted award, when the dossier is withdrawn, then the award is cancelled and its whole grant released', () => {
    spec
      .given(grantedAward())
      .when(withdrawal(), NOW)
      .then(
        { definition: AwardCancelled, data: { cause: 'dossier-withdrawn', reason: WITHDRAWN_WITHOUT_REASON } },
        { definition: AwardAmountReleased, data: { amountCents: 2_000_000, cause: 'cancellation', cancellationCause: 'dossier-withdrawn' } },
      )
      .thenState({ status: 'cancelled', releasedCents: 2_000_000, withdrawal: { reason: WITHDRAWN_WITHOUT_REASON } });
  });

  it('given an award with its advance paid, when the dossier is withdrawn, then only the unpaid rest is released (a recovery order is the way back for the rest)', () => {
    spec.given(awardWithPaidAdvance()).when(withdrawal(), NOW).then(AwardCancelled, { definition: AwardAmountReleased, data: { amountCents: 1_400_000 } }).thenState({ status: 'cancelled', releasedCents: 1_400_000 });
  });

  it('given the withdrawal already known, when it comes again, then nothing happens', () => {
    const remembered = stored(must(withdrawDossier(null, withdrawal(), NOW)));
    spec.given(remembered).when(withdrawal(), NOW).thenNothingHappens();
    const cancelled = stored(must(withdrawDossier(grantedAward(), withdrawal(), NOW)));
    spec.given(cancelled).when(withdrawal(), NOW).thenNothingHappens();
  });

  it('given an award cancelled by a reopened decision, when the dossier is withdrawn, then the withdrawal is remembered without a second release', () => {
    const reopened = stored(must(reopenDecision(grantedAward(), { reason: 'Erreur de calcul' }, NOW)));
    spec.given(reopened).when(withdrawal(), NOW).then().thenState({ status: 'cancelled', releasedCents: 2_000_000, withdrawal: { reason: WITHDRAWN_WITHOUT_REASON } });
  });
});

describe('grantAward on a document that exists (withdrawal and acceptance in any order)', () => {
  const spec = decider<AwardState | null, GrantAward, [Date]>(grantAward);
  const withdrawnFirst = () => stored(must(withdrawDossier(null, withdrawal(), NOW)));

  it('given the withdrawal consumed first, when the acceptance comes, then the award is granted and cancelled in the same write, its whole grant released', () => {
    spec
      .given(withdrawnFirst())
      .when(acceptance(), NOW)
      .then(
        { definition: AwardGranted, data: { grantCents: 2_000_000, startDeadline: '2029-01-10' } },
        { definition: AwardCancelled, data: { cause: 'dossier-withdrawn' } },
        { definition: AwardAmountReleased, data: { amountCents: 2_000_000, cause: 'cancellation', cancellationCause: 'dossier-withdrawn' } },
      )
      .thenState({ status: 'cancelled', grantCents: 2_000_000, releasedCents: 2_000_000, notifiedAt: NOTIFIED_AT, version: 1 });
  });

  it('given the acceptance consumed first, when the withdrawal comes, then the same facts: granted, then cancelled with its whole grant released', () => {
    const granted = stored(must(grantAward(null, acceptance(), NOW)));
    decider(withdrawDossier).given(granted).when(withdrawal(), NOW).then(AwardCancelled, { definition: AwardAmountReleased, data: { amountCents: 2_000_000 } }).thenState({ status: 'cancelled' });
  });

  it('given an award cancelled after the withdrawal, when the acceptance comes again, then nothing happens: nothing can be requested on it', () => {
    const cancelled = stored(must(grantAward(withdrawnFirst(), acceptance(), NOW)));
    spec.given(cancelled).when(acceptance(), NOW).thenNothingHappens();
    expect(requestAdvance(cancelled, { by: 'applicant-1' }, NOW)).toMatchObject({ outcome: 'wrong-status', status: 'cancelled' });
    expect(declareStart(cancelled, { startedOn: '2027-01-15', by: 'applicant-1' }, NOW)).toMatchObject({ outcome: 'wrong-status' });
  });

  it('given an invalid acceptance on a withdrawn dossier, when decided, then its rules refuse it as on a new award', () => {
    spec.given(withdrawnFirst()).when(acceptance({ grantCents: 4_000_001 }), NOW).thenRefused('grant-within-cost');
  });

  describe('after a reopened decision', () => {
    const reopened = () => stored(must(reopenDecision(grantedAward(), { reason: 'Recours gracieux' }, NOW)));
    const later = acceptance({ grantCents: 1_500_000, notifiedAt: '2027-03-01T09:00:00.000Z' });

    it('given the first acceptance again (another event id), when decided, then nothing happens', () => {
      spec.given(reopened()).when(acceptance(), NOW).thenNothingHappens();
    });

    it('given a later acceptance, when decided, then the award is granted anew with the new amount and deadlines', () => {
      spec
        .given(reopened())
        .when(later, NOW)
        .then({ definition: AwardGranted, data: { grantCents: 1_500_000, startDeadline: '2029-03-01' } })
        .thenState({ status: 'granted', grantCents: 1_500_000, releasedCents: 0, version: reopened().version });
      const regranted = must(grantAward(reopened(), later, NOW));
      expect(regranted.cancellation).toBeUndefined();
      expect(regranted.closedAt).toBeUndefined();
    });

    it('given the dossier withdrawn after the reopening, when accepted again, then granted and cancelled at once', () => {
      const withdrawn = stored(must(withdrawDossier(reopened(), withdrawal(), NOW)));
      spec.given(withdrawn).when(later, NOW).then(AwardGranted, AwardCancelled, { definition: AwardAmountReleased, data: { amountCents: 1_500_000, cancellationCause: 'dossier-withdrawn' } });
    });

    it('given money paid before the reopening, when accepted again, then nothing-paid-before-reopening refuses a new grant', () => {
      const paidThenReopened = stored(must(reopenDecision(awardWithPaidAdvance(), { reason: 'Recours' }, NOW)));
      spec.given(paidThenReopened).when(later, NOW).thenRefused('nothing-paid-before-reopening');
    });
  });
});

describe('reopenDecision', () => {
  const spec = decider(reopenDecision);

  it('given a granted award, when the committee reopens its decision, then it is cancelled, the release saying why (evaluation gave the money back already)', () => {
    spec
      .given(grantedAward())
      .when({ reason: 'Recours gracieux' }, NOW)
      .then({ definition: AwardCancelled, data: { cause: 'decision-reopened', reason: 'Recours gracieux' } }, { definition: AwardAmountReleased, data: { cause: 'cancellation', cancellationCause: 'decision-reopened', amountCents: 2_000_000 } });
  });

  it('given a dossier withdrawn before any grant, or an award already cancelled, when reopened, then nothing happens', () => {
    spec.given(stored(must(withdrawDossier(null, withdrawal(), NOW)))).when({ reason: 'Recours' }, NOW).thenNothingHappens();
    spec.given(stored(must(cancelAward(grantedAward(), { cause: 'renounced', reason: 'Projet abandonné' }, NOW)))).when({ reason: 'Recours' }, NOW).thenNothingHappens();
  });
});

describe('renounceAward', () => {
  const spec = decider(renounceAward);

  it('given an award with its advance paid, when the beneficiary renounces, then it is cancelled and the unpaid rest released', () => {
    spec
      .given(awardWithPaidAdvance())
      .when({ reason: 'Projet abandonné' }, NOW)
      .then({ definition: AwardCancelled, data: { cause: 'renounced' } }, { definition: AwardAmountReleased, data: { amountCents: 1_400_000, cancellationCause: 'renounced' } })
      .thenState({ status: 'cancelled', cancellation: { cause: 'renounced', reason: 'Projet abandonné' } });
  });

  it('given an empty reason, then reason-required; a cancelled award, nothing happens; a lapsed one, its status forbids it', () => {
    spec.given(grantedAward()).when({ reason: '  ' }, NOW).thenRefused('reason-required');
    const cancelled = stored(must(cancelAward(grantedAward(), { cause: 'manual', reason: 'x' }, NOW)));
    spec.given(cancelled).when({ reason: 'Projet abandonné' }, NOW).thenNothingHappens();
    expect(renounceAward({ ...grantedAward(), status: 'lapsed' }, { reason: 'Projet abandonné' }, at('2029-02-01T10:00:00Z'))).toMatchObject({ outcome: 'wrong-status', status: 'lapsed' });
  });
});
