import { describe, expect, it } from 'vitest';
import { DossierComplementRequested } from '@aap/contracts';
import { decider } from '@aap/test-harness/decider-spec';
import { startAdmissibility } from '../admissibility/admissibility';
import { openEvaluation, recordWithdrawal, type EvaluationState } from '../evaluations/evaluation';
import { acceptedState, testCall, testDossier } from '../testing/fixtures';
import { COMPLEMENT_AFTER_SCORING, requestComplement, resumeAfterComplement, type RequestComplement } from './complement';

const now = new Date();
const call = testCall();
const dossier = testDossier(call);

const inReview = (): EvaluationState => acceptedState(startAdmissibility(openEvaluation(dossier, now), call, now));
const asked: RequestComplement = { message: 'Joindre le budget détaillé', requestedByRole: 'reviewer', requestedBy: 'rev-1' };
const paused = () => acceptedState(requestComplement(inReview(), asked, now, 'cr-1'));
const review = (reviewerId: string) => ({ reviewerId, scores: [{ criterionId: 'ancrage', score: 6, comment: 'Argumenté.' }], weightedScore: 60, submittedAt: now });

describe('requestComplement (given an evaluation, when a complement is asked, then …)', () => {
  const spec = decider(requestComplement);

  it('given a dossier in review, when a complement is asked, then it pauses and goes back to the applicant with the message, never the reviewer’s identity', () => {
    const { decision } = spec
      .given(inReview())
      .when(asked, now, 'cr-1')
      .then({ definition: DossierComplementRequested, data: { complementRequestId: 'cr-1', message: 'Joindre le budget détaillé' } })
      .thenState({ stage: 'complement-requested', dossierStatus: 'complement-requested' });
    expect(decision.outcome === 'accepted' && JSON.stringify(decision.events[0]!.data)).not.toContain('rev-1');
  });

  it('given a dossier paused already, when a complement is asked, then it does not apply', () => {
    spec.given(paused()).when(asked, now, 'cr-2').thenWrongStatus('complement-requested');
  });

  it('given a dossier one reviewer has scored, when a complement is asked, then it is refused (complement-after-scoring): the budget and the grant cap never change under scores given to another version', () => {
    spec.given({ ...inReview(), reviews: [review('rev-2')] }).when(asked, now, 'cr-2').thenRefused(COMPLEMENT_AFTER_SCORING);
  });

  it('given an evaluated dossier (every review in), when a manager asks a complement, then it is refused (complement-after-scoring)', () => {
    const evaluated: EvaluationState = { ...inReview(), stage: 'evaluated', reviews: [review('rev-1'), review('rev-2')], completedAt: now };
    spec.given(evaluated).when({ ...asked, requestedByRole: 'programme-manager', requestedBy: 'pm-1' }, now, 'cr-2').thenRefused(COMPLEMENT_AFTER_SCORING);
  });

  it('given a withdrawn dossier, when a complement is asked, then it does not apply', () => {
    spec.given(acceptedState(recordWithdrawal(inReview(), now))).when(asked, now, 'cr-2').thenWrongStatus('withdrawn');
  });
});

describe('resumeAfterComplement (given a paused evaluation, when the applicant answers, then …)', () => {
  const spec = decider(resumeAfterComplement);

  it('given the answer to the request, when resubmitted, then the new snapshot replaces the old, the changes are listed, review resumes', () => {
    const corrected = { ...dossier, project: { ...dossier.project, summary: 'Un tiers-lieu rural.' }, budget: { ...dossier.budget, requestedGrantCents: 9_000_000, otherFunding: [{ kind: 'region' as const, funder: 'Région', amountCents: 11_000_000 }] } };
    const { decision } = spec
      .given(paused())
      .when(corrected, 'cr-1', 'Budget corrigé', now)
      .then()
      .thenState({ stage: 'in-review', dossierStatus: 'under-review', snapshot: corrected, previousSnapshot: dossier, changes: ['project.summary', 'budget.requestedGrantCents: 10000000 → 9000000 cents', 'budget.otherFunding'] });
    expect(acceptedState(decision).complements[0]).toMatchObject({ answer: 'Budget corrigé', answeredAt: now });
  });

  it('given an answer to another request, when resubmitted, then it does not apply', () => {
    spec.given(paused()).when(dossier, 'cr-other', 'x', now).thenWrongStatus('complement-requested');
  });

  it('given a request answered already, when answered a second time, then it does not apply', () => {
    const resumed = acceptedState(resumeAfterComplement(paused(), dossier, 'cr-1', 'x', now));
    spec.given(resumed).when(dossier, 'cr-1', 'x', now).thenWrongStatus();
  });
});

describe('recordWithdrawal (given an evaluation, when its dossier is withdrawn, then …)', () => {
  const spec = decider(recordWithdrawal);

  it('given a dossier in review, when withdrawn, then the evaluation ends (no event of its own: the withdrawal is the applicant’s)', () => {
    spec.given(inReview()).when(now).then().thenState({ stage: 'withdrawn', dossierStatus: 'withdrawn' });
  });

  it('given a withdrawn dossier, when withdrawn again (a redelivery), then nothing happens', () => {
    spec.given(acceptedState(recordWithdrawal(inReview(), now))).when(now).thenNothingHappens();
  });
});
