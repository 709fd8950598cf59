import { describe, expect, it } from 'vitest';
import { callEvents, dossierEvents } from '@aap/contracts';
import { APPLICANT_FIELDS, applicantDetails, summaryOf } from './timeline.views';

describe('the applicant view of the timeline', () => {
  it('has an explicit allow-list and a French summary for every dossier and call event', () => {
    for (const { type } of [...dossierEvents, ...callEvents]) {
      expect(APPLICANT_FIELDS[type], type).toBeDefined();
      expect(summaryOf(type, {}), type).not.toBe(type);
    }
  });

  it('shows only the allow-listed fields, renamed from their paths, and nothing of a field added later', () => {
    const data = { dossierId: 'd', callId: 'c', at: '2026-04-01T10:00:00Z', grantCents: 100, motivation: 'Bien.', reviewerId: 'rev-7', internalComment: 'à revoir' };
    expect(applicantDetails('dossier.accepted.v3', data)).toEqual({ grantCents: 100, motivation: 'Bien.' });
    expect(applicantDetails('dossier.submitted.v2', { dossier: { number: 'AAP-1', submittedAt: 't', contentHash: 'h', project: { title: 'T' }, budget: {} } })).toEqual({
      number: 'AAP-1',
      submittedAt: 't',
      contentHash: 'h',
      title: 'T',
    });
  });

  it('shows an entry stored under a superseded version of its event as the current version', () => {
    const data = { dossier: { number: 'AAP-1', submittedAt: 't', contentHash: 'h', project: { title: 'T' }, budget: {} } };
    expect(applicantDetails('dossier.submitted.v1', data)).toEqual(applicantDetails('dossier.submitted.v2', data));
    expect(summaryOf('dossier.submitted.v1', data)).toBe('Dossier AAP-1 déposé');
  });

  it('keeps the committee’s reason for reopening, and any unknown event’s data, to staff', () => {
    expect(applicantDetails('dossier.decision-reopened.v2', { reason: 'note interne' })).toEqual({});
    expect(applicantDetails('award.granted.v1', { amountCents: 1, officer: 'x' })).toEqual({});
    expect(summaryOf('award.granted.v1', {})).toBe('award.granted.v1');
  });
});
