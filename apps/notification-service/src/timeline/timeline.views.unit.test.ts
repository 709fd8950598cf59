import { describe, expect, it } from 'vitest';
import { awardEvents, dossierEvents } from '@aap/contracts';
import { APPLICANT_FIELDS, applicantDetails, summaryOf, TIMELINE_CALL_EVENTS } from './timeline.views';

describe('the applicant view of the timeline', () => {
  it('has an explicit allow-list and a French summary for every dossier, award and call event it shows', () => {
    for (const { type } of [...dossierEvents, ...awardEvents, ...TIMELINE_CALL_EVENTS]) {
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
    expect(applicantDetails('payment.unknown.v1', { amountCents: 1, officer: 'x' })).toEqual({});
    expect(summaryOf('payment.unknown.v1', {})).toBe('payment.unknown.v1');
  });

  it('shows the beneficiary the amounts, dates and reasons of its award, never who in finance acted, nor the budget released to the call', () => {
    const ref = { awardId: 'd', dossierId: 'd', number: 'AAP-1', callId: 'c', waveId: 'w', organisationId: 'o', at: '2027-01-10T10:00:00Z' };
    expect(applicantDetails('tranche.paid.v1', { ...ref, trancheId: 't', kind: 'advance', amountCents: 600_000, paymentReference: 'VIR-1', paidOn: '2027-01-12' })).toEqual({
      kind: 'advance',
      amountCents: 600_000,
      paymentReference: 'VIR-1',
      paidOn: '2027-01-12',
    });
    expect(applicantDetails('tranche.validated.v1', { ...ref, trancheId: 't', kind: 'interim', amountCents: 1, validatedBy: 'finance-1' })).toEqual({ kind: 'interim', amountCents: 1 });
    expect(applicantDetails('award.bank-details-validated.v1', { ...ref, bankDetailsId: 'b', iban: 'FR76 **** 0189', validatedBy: 'finance-1' })).toEqual({ iban: 'FR76 **** 0189' });
    expect(applicantDetails('award.amount-released.v1', { ...ref, amountCents: 5, cause: 'lapse' })).toEqual({});
    expect(summaryOf('tranche.paid.v1', { kind: 'balance' })).toBe('Versement effectué (solde)');
  });
});
