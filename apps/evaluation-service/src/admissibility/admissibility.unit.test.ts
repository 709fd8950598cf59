import { describe, expect, it } from 'vitest';
import { openEvaluation } from '../evaluations/evaluation';
import { testCall, testDossier } from '../testing/fixtures';
import { admissibilityChecks, assessChecklist, startAdmissibility } from './admissibility';

const now = new Date();
const checklist = [
  { checkId: 'deliberation-signee', label: 'Délibération signée' },
  { checkId: 'lieu-ouvert', label: 'Lieu ouvert au public' },
];

describe('admissibility (given a submitted dossier and its call, when it is checked, then …)', () => {
  it('a dossier meeting every rule of a call without checklist is admissible at once: under review, two events', () => {
    const call = testCall();
    const decision = startAdmissibility(openEvaluation(testDossier(call), now), call, now);
    expect(decision.outcome).toBe('accepted');
    if (decision.outcome !== 'accepted') return;
    expect(decision.state).toMatchObject({ stage: 'in-review', dossierStatus: 'under-review', admissibility: { admissible: true, reasons: [], assessedBy: 'automatic' } });
    expect(decision.events.map((e) => e.definition.type)).toEqual(['evaluation.admissibility-assessed.v1', 'dossier.review-started.v2']);
  });

  it('an applicant kind the call does not accept and a missing document make it inadmissible with both reasons: rejected, ineligible', () => {
    const call = testCall();
    const dossier = testDossier(call, { applicant: { kind: 'departement', territory: { departements: ['69'], regions: ['84'] } }, documentTypes: [] });
    const decision = startAdmissibility(openEvaluation(dossier, now), call, now);
    if (decision.outcome !== 'accepted') throw new Error(decision.outcome);
    expect(decision.state).toMatchObject({ stage: 'inadmissible', dossierStatus: 'rejected' });
    expect(decision.state.admissibility.reasons).toEqual([
      expect.stringMatching(/^Porteur éligible.*a departement may not apply/),
      expect.stringMatching(/^Pièces obligatoires jointes : missing document: Statuts \(statuts\)/),
    ]);
    const rejected = decision.events.find((e) => e.definition.type === 'dossier.rejected.v2')!;
    expect(rejected.data).toMatchObject({ ineligible: true, reasons: decision.state.admissibility.reasons, motivation: expect.stringMatching(/^Dossier irrecevable : /) });
  });

  it('a grant above the rate cap fails the budget check with the rule’s detail', () => {
    const call = testCall();
    const checks = admissibilityChecks(testDossier(call, { eligibleCostCents: 10_000_000, requestedGrantCents: 6_000_000 }), call);
    expect(checks.find((c) => c.checkId === 'budget-rules')).toMatchObject({ passed: false, detail: expect.stringContaining('exceeds 50 % of the eligible cost') });
  });

  it('a dossier submitted after its wave closed fails the window check', () => {
    const call = testCall();
    const dossier = { ...testDossier(call), submittedAt: new Date(Date.parse(call.waves[0]!.closesAt) + 1_000).toISOString() };
    expect(admissibilityChecks(dossier, call).find((c) => c.checkId === 'wave-window')).toMatchObject({ passed: false });
  });

  describe('with a checklist', () => {
    const call = testCall({}, { admissibilityChecklist: checklist });
    const waiting = () => {
      const decision = startAdmissibility(openEvaluation(testDossier(call), now), call, now);
      if (decision.outcome !== 'accepted') throw new Error(decision.outcome);
      return decision;
    };

    it('a dossier passing the automatic checks waits for the manager, nothing emitted', () => {
      const decision = waiting();
      expect(decision.state.stage).toBe('admissibility');
      expect(decision.events).toEqual([]);
      expect(decision.state.admissibility.checks.filter((c) => !c.automatic)).toEqual(checklist.map((c) => ({ ...c, passed: false, automatic: false })));
    });

    it('every item passed → admissible, assessed by the manager', () => {
      const decision = assessChecklist(waiting().state, checklist.map((c) => ({ checkId: c.checkId, passed: true })), 'manager-1', now);
      expect(decision).toMatchObject({ outcome: 'accepted', state: { stage: 'in-review', admissibility: { admissible: true, assessedBy: 'manager-1' } } });
    });

    it('one failed item → inadmissible, its detail is the reason', () => {
      const decision = assessChecklist(
        waiting().state,
        [{ checkId: 'deliberation-signee', passed: true }, { checkId: 'lieu-ouvert', passed: false, detail: 'le lieu ouvre en 2028' }],
        'manager-1',
        now,
      );
      expect(decision).toMatchObject({ outcome: 'accepted', state: { stage: 'inadmissible', admissibility: { reasons: ['Lieu ouvert au public : le lieu ouvre en 2028'] } } });
    });

    it('an incomplete, unknown, repeated or unexplained answer is refused, one violation each', () => {
      const decision = assessChecklist(
        waiting().state,
        [{ checkId: 'deliberation-signee', passed: false }, { checkId: 'inconnu', passed: true }, { checkId: 'deliberation-signee', passed: true }],
        'manager-1',
        now,
      );
      expect(decision.outcome).toBe('refused');
      if (decision.outcome !== 'refused') return;
      expect(decision.violations.map((v) => v.name)).toEqual(['failed-check-detail', 'unknown-check', 'check-answered-once', 'checklist-complete']);
    });

    it('an evaluation past admissibility is not assessed again (409)', () => {
      const admitted = assessChecklist(waiting().state, checklist.map((c) => ({ checkId: c.checkId, passed: true })), 'manager-1', now);
      if (admitted.outcome !== 'accepted') throw new Error(admitted.outcome);
      expect(assessChecklist(admitted.state, [], 'manager-1', now).outcome).toBe('wrong-status');
    });
  });
});
