import { describe, expect, it } from 'vitest';
import { startAdmissibility } from '../admissibility/admissibility';
import { openEvaluation, recordWithdrawal, type EvaluationState } from '../evaluations/evaluation';
import { testCall, testDossier } from '../testing/fixtures';
import { requestComplement, resumeAfterComplement } from './complement';

const now = new Date();
const call = testCall();
const dossier = testDossier(call);

function inReview(): EvaluationState {
  const decision = startAdmissibility(openEvaluation(dossier, now), call, now);
  if (decision.outcome !== 'accepted') throw new Error(decision.outcome);
  return decision.state;
}
const ask = (state: EvaluationState) => requestComplement(state, { message: 'Joindre le budget détaillé', requestedByRole: 'reviewer', requestedBy: 'rev-1' }, now, 'cr-1');

describe('complements (given an evaluation, when a complement is asked and answered, then …)', () => {
  it('asked during review: paused, the dossier goes back to the applicant with the message, never the reviewer’s identity', () => {
    const decision = ask(inReview());
    if (decision.outcome !== 'accepted') throw new Error(decision.outcome);
    expect(decision.state).toMatchObject({ stage: 'complement-requested', dossierStatus: 'complement-requested' });
    expect(decision.events).toHaveLength(1);
    expect(decision.events[0]!.definition.type).toBe('dossier.complement-requested.v2');
    expect(decision.events[0]!.data).toMatchObject({ complementRequestId: 'cr-1', message: 'Joindre le budget détaillé' });
    expect(JSON.stringify(decision.events[0]!.data)).not.toContain('rev-1');
  });

  it('answered: the new snapshot replaces the old, the changes are listed, review resumes', () => {
    const paused = ask(inReview());
    if (paused.outcome !== 'accepted') throw new Error(paused.outcome);
    const corrected = { ...dossier, project: { ...dossier.project, summary: 'Un tiers-lieu rural.' }, budget: { ...dossier.budget, requestedGrantCents: 9_000_000, otherFunding: [{ kind: 'region' as const, funder: 'Région', amountCents: 11_000_000 }] } };
    const resumed = resumeAfterComplement(paused.state, corrected, 'cr-1', 'Budget corrigé', now);
    if (resumed.outcome !== 'accepted') throw new Error(resumed.outcome);
    expect(resumed.state).toMatchObject({ stage: 'in-review', dossierStatus: 'under-review', snapshot: corrected, previousSnapshot: dossier });
    expect(resumed.state.changes).toEqual(['project.summary', 'budget.requestedGrantCents: 10000000 → 9000000 cents', 'budget.otherFunding']);
    expect(resumed.state.complements[0]).toMatchObject({ answer: 'Budget corrigé', answeredAt: now });
  });

  it('an answer to another request, or a second answer, is refused', () => {
    const paused = ask(inReview());
    if (paused.outcome !== 'accepted') throw new Error(paused.outcome);
    expect(resumeAfterComplement(paused.state, dossier, 'cr-other', 'x', now).outcome).toBe('wrong-status');
    const resumed = resumeAfterComplement(paused.state, dossier, 'cr-1', 'x', now);
    if (resumed.outcome !== 'accepted') throw new Error(resumed.outcome);
    expect(resumeAfterComplement(resumed.state, dossier, 'cr-1', 'x', now).outcome).toBe('wrong-status');
  });

  it('not while paused already, nor after a withdrawal', () => {
    const paused = ask(inReview());
    if (paused.outcome !== 'accepted') throw new Error(paused.outcome);
    expect(ask(paused.state).outcome).toBe('wrong-status');
    const withdrawn = recordWithdrawal(inReview(), now);
    if (withdrawn.outcome !== 'accepted') throw new Error(withdrawn.outcome);
    expect(ask(withdrawn.state).outcome).toBe('wrong-status');
  });
});
