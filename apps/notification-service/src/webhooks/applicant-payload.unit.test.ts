import { describe, expect, it } from 'vitest';
import { applicant, routedEventData } from '../testing/fixtures';
import { applicantEventData } from './applicant-payload';

/** The dossier reference every evaluation event carries: the organisation's own identifiers. */
const reference = { dossierId: 'dossier-1', number: 'AAP-2026-000001', callId: 'call-1', waveId: 'w1', organisationId: '216901231' };
const story = routedEventData({ dossierId: 'dossier-1', number: 'AAP-2026-000001', callId: 'call-1', organisation: applicant('216901231') });

describe('applicantEventData: an organisation’s webhook gets what its applicant view shows', () => {
  it('given a reopened decision, when sent to the organisation, then the committee’s internal reason is not in it', () => {
    const data = applicantEventData('dossier.decision-reopened.v2', story['dossier.decision-reopened.v2']);
    expect(data).toEqual(reference);
  });

  it('given an acceptance, when sent, then the grant, what it was computed from and the motivation are, at their place in the event', () => {
    expect(applicantEventData('dossier.accepted.v3', story['dossier.accepted.v3'])).toEqual({
      ...reference,
      grantCents: 12_000_000,
      requestedGrantCents: 12_000_000,
      eligibleCostCents: 30_000_000,
      stateRateBps: 5_000,
      motivation: 'Projet structurant pour le territoire.',
    });
  });

  it('given an evaluation event (staff), when it would be sent, then nothing of the reviewer is: no allow-list entry, identifiers only', () => {
    const assigned = {
      ...reference,
      at: '2026-04-01T10:00:00Z',
      reviewers: [{ reviewerId: 'rev-1', name: 'Claire Expert', email: 'claire@experts.example.fr', dueAt: '2026-05-15T18:00:00+02:00' }],
      missing: 0,
      cause: 'admissible',
    };
    expect(applicantEventData('evaluation.reviewers-assigned.v1', assigned)).toEqual(reference);
    expect(applicantEventData('evaluation.conflict-declared.v1', { ...reference, reviewerId: 'rev-1', reason: 'ancien agent' })).toEqual(reference);
  });

  it('given a submission, when sent, then the receipt and the title are, not the budget nor the contacts', () => {
    expect(applicantEventData('dossier.submitted.v2', story['dossier.submitted.v2'])).toEqual({
      ...reference,
      dossier: {
        dossierId: 'dossier-1',
        callId: 'call-1',
        waveId: 'w1',
        number: 'AAP-2026-000001',
        submittedAt: story['dossier.submitted.v2'].dossier.submittedAt,
        contentHash: 'a'.repeat(64),
        project: { title: 'Tiers-lieu de la gare' },
      },
    });
  });

  it('given an event type without an allow-list entry, when sent, then only its identifiers are', () => {
    expect(applicantEventData('dossier.future-event.v1', { dossierId: 'dossier-1', secretNote: 'x' })).toEqual({ dossierId: 'dossier-1' });
  });
});
