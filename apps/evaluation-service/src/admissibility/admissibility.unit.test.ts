import { describe, expect, it } from 'vitest';
import { DossierRejected, DossierReviewStarted, EvaluationAdmissibilityAssessed } from '@aap/contracts';
import { decider } from '@aap/test-harness/decider-spec';
import { openEvaluation } from '../evaluations/evaluation';
import { acceptedState, testCall, testDossier } from '../testing/fixtures';
import { admissibilityChecks, assessChecklist, startAdmissibility } from './admissibility';

const now = new Date();
const checklist = [
  { checkId: 'deliberation-signee', label: 'Délibération signée' },
  { checkId: 'lieu-ouvert', label: 'Lieu ouvert au public' },
];

describe('startAdmissibility (given a submitted dossier and its call, when it is checked, then …)', () => {
  const spec = decider(startAdmissibility);

  it('given a dossier meeting every rule of a call without checklist, when checked, then it is admissible at once: under review, two events', () => {
    const call = testCall();
    spec
      .given(openEvaluation(testDossier(call), now))
      .when(call, now)
      .then(EvaluationAdmissibilityAssessed, DossierReviewStarted)
      .thenState({ stage: 'in-review', dossierStatus: 'under-review', admissibility: { admissible: true, reasons: [], assessedBy: 'automatic' } });
  });

  it('given an applicant kind the call does not accept and a missing document, when checked, then it is inadmissible with both reasons: rejected, ineligible', () => {
    const call = testCall();
    const dossier = testDossier(call, { applicant: { kind: 'departement', territory: { departements: ['69'], regions: ['84'] } }, documentTypes: [] });
    const { decision } = spec
      .given(openEvaluation(dossier, now))
      .when(call, now)
      .then(EvaluationAdmissibilityAssessed, { definition: DossierRejected, data: { ineligible: true, motivation: expect.stringMatching(/^Dossier irrecevable : /) } })
      .thenState({ stage: 'inadmissible', dossierStatus: 'rejected' });
    const state = acceptedState(decision);
    expect(state.admissibility.reasons).toEqual([
      expect.stringMatching(/^Porteur éligible.*a departement may not apply/),
      expect.stringMatching(/^Pièces obligatoires jointes : missing document: Statuts \(statuts\)/),
    ]);
    expect(decision.outcome === 'accepted' && decision.events[1]!.data).toMatchObject({ reasons: state.admissibility.reasons });
  });

  it('given a grant above the rate cap, when checked, then the budget check fails with the rule’s detail', () => {
    const call = testCall();
    const checks = admissibilityChecks(testDossier(call, { eligibleCostCents: 10_000_000, requestedGrantCents: 6_000_000 }), call);
    expect(checks.find((c) => c.checkId === 'budget-rules')).toMatchObject({ passed: false, detail: expect.stringContaining('exceeds 50 % of the eligible cost') });
  });

  it('given a dossier submitted after its wave closed, when checked, then the window check fails', () => {
    const call = testCall();
    const dossier = { ...testDossier(call), submittedAt: new Date(Date.parse(call.waves[0]!.closesAt) + 1_000).toISOString() };
    expect(admissibilityChecks(dossier, call).find((c) => c.checkId === 'wave-window')).toMatchObject({ passed: false });
  });
});

describe('assessChecklist (given a call with a checklist)', () => {
  const call = testCall({}, { admissibilityChecklist: checklist });
  const spec = decider(assessChecklist);
  const waiting = () => acceptedState(startAdmissibility(openEvaluation(testDossier(call), now), call, now));

  it('given a dossier passing the automatic checks, when checked, then it waits for the manager, nothing emitted', () => {
    const { decision } = decider(startAdmissibility).given(openEvaluation(testDossier(call), now)).when(call, now).then().thenState({ stage: 'admissibility' });
    expect(acceptedState(decision).admissibility.checks.filter((c) => !c.automatic)).toEqual(checklist.map((c) => ({ ...c, passed: false, automatic: false })));
  });

  it('given every item passed, when the manager assesses, then admissible, assessed by the manager', () => {
    spec
      .given(waiting())
      .when(checklist.map((c) => ({ checkId: c.checkId, passed: true })), 'manager-1', now)
      .then(EvaluationAdmissibilityAssessed, DossierReviewStarted)
      .thenState({ stage: 'in-review', admissibility: { admissible: true, assessedBy: 'manager-1' } });
  });

  it('given one failed item, when the manager assesses, then inadmissible, its detail is the reason', () => {
    spec
      .given(waiting())
      .when([{ checkId: 'deliberation-signee', passed: true }, { checkId: 'lieu-ouvert', passed: false, detail: 'le lieu ouvre en 2028' }], 'manager-1', now)
      .then(EvaluationAdmissibilityAssessed, DossierRejected)
      .thenState({ stage: 'inadmissible', admissibility: { reasons: ['Lieu ouvert au public : le lieu ouvre en 2028'] } });
  });

  it('given an incomplete, unknown, repeated or unexplained answer, when assessed, then it is refused, one violation each', () => {
    const { decision } = spec
      .given(waiting())
      .when([{ checkId: 'deliberation-signee', passed: false }, { checkId: 'inconnu', passed: true }, { checkId: 'deliberation-signee', passed: true }], 'manager-1', now)
      .thenRefused('failed-check-detail', 'unknown-check', 'check-answered-once', 'checklist-complete');
    expect(decision.outcome === 'refused' && decision.violations.map((v) => v.name)).toEqual(['failed-check-detail', 'unknown-check', 'check-answered-once', 'checklist-complete']);
  });

  it('given an evaluation past admissibility, when assessed again, then it does not apply (409)', () => {
    const admitted = acceptedState(assessChecklist(waiting(), checklist.map((c) => ({ checkId: c.checkId, passed: true })), 'manager-1', now));
    spec.given(admitted).when([], 'manager-1', now).thenWrongStatus('in-review');
  });
});
