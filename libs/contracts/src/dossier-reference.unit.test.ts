import { describe, expect, it } from 'vitest';
import { dossierReferenceOf } from './dossier-reference';

describe('dossierReferenceOf', () => {
  const reference = { dossierId: 'd-1', number: 'AAP-2026-000001', callId: 'c-1', waveId: 'vague-1', organisationId: '216901231' };

  it('given an evaluation event, when its reference is read, then the five fields come from the top of its data', () => {
    expect(dossierReferenceOf({ ...reference, at: '2026-05-01T10:00:00Z', motivation: 'ok' })).toEqual(reference);
  });

  it('given dossier.submitted, when its reference is read, then it comes from the snapshot and its applicant', () => {
    const { organisationId, ...rest } = reference;
    expect(dossierReferenceOf({ dossier: { ...rest, applicant: { organisationId } } })).toEqual(reference);
  });

  it('given a draft reminder, when its reference is read, then it has no number; given a call event, then there is none', () => {
    const { number: _number, ...draft } = reference;
    expect(dossierReferenceOf({ ...draft, title: 'x' })).toEqual(draft);
    expect(dossierReferenceOf({ call: { callId: 'c-1' } })).toBeUndefined();
  });
});
