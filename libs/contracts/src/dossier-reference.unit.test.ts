import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  catalogue,
  DossierDraftClosingSoon,
  DossierDraftClosingSoonV1,
  DossierResubmitted,
  DossierResubmittedV1,
  DossierSubmitted,
  DossierSubmittedV1,
  EvaluationConflictDeclared,
  referenceOfSnapshot,
  type DossierSnapshot,
} from './index';

const reference = { dossierId: 'd-1', number: 'AAP-2026-000001', callId: 'c-1', waveId: 'vague-1', organisationId: '216901231' };
const snapshot: DossierSnapshot = {
  dossierId: 'd-1',
  number: 'AAP-2026-000001',
  callId: 'c-1',
  waveId: 'vague-1',
  applicant: { organisationId: '216901231', name: 'Lyon', kind: 'commune', territory: { communeCode: '69123', departements: ['69'], regions: ['84'] } },
  project: { title: 'Pass numérique lyonnais', summary: 's', description: 'd', startDate: '2027-01-01', endDate: '2027-12-31' },
  budget: { eligibleCostCents: 4_000_000, requestedGrantCents: 2_000_000, otherFunding: [] },
  attachments: [],
  submittedAt: '2026-03-02T10:15:00+01:00',
  contentHash: 'a'.repeat(64),
};

const readAs = (definition: { type: string }, data: unknown) => catalogue.read(definition.type, data);

describe('personal data no longer carried: events already on a topic are still read, without it', () => {
  it('given a dossier.submitted with the applicant’s contacts, when read, then it is read without them', () => {
    const withContacts = { ...reference, dossier: { ...snapshot, applicant: { ...snapshot.applicant, contacts: [{ name: 'Camille Martin', email: 'camille.martin@lyon.fr' }] } } };
    expect(readAs(DossierSubmitted, withContacts)).toEqual({ definition: DossierSubmitted, data: { ...reference, dossier: snapshot } });
  });

  it('given an evaluation.conflict-declared with its reason, when read, then it is read without it', () => {
    const declared = { ...reference, at: '2026-04-11T09:00:00Z', reviewerId: 'rev-1' };
    expect(readAs(EvaluationConflictDeclared, { ...declared, reason: 'Ancien agent de la commune' })).toEqual({ definition: EvaluationConflictDeclared, data: declared });
  });
});

describe('upcasters: a consumer receiving version 1 reads version 2', () => {
  it('given dossier.submitted.v1 (reference inside the snapshot), when read, then it is dossier.submitted.v2 with the reference at the top', () => {
    expect(readAs(DossierSubmittedV1, { dossier: snapshot })).toEqual({ definition: DossierSubmitted, data: { ...reference, dossier: snapshot } });
  });

  it('given dossier.resubmitted.v1, when read, then it is dossier.resubmitted.v2 with the reference at the top and the answer kept', () => {
    const v1 = { dossier: snapshot, complementRequestId: 'cr-1', answer: 'joint' };
    expect(readAs(DossierResubmittedV1, v1)).toEqual({ definition: DossierResubmitted, data: { ...reference, ...v1 } });
  });

  it('given dossier.draft-closing-soon.v1 (no number), when read through the catalogue, then it is v2 with number null', () => {
    const { number: _none, ...draft } = reference;
    const v1 = { ...draft, title: 'Projet', closesAt: '2026-03-31T23:59:59+02:00', daysLeft: 3 };
    expect(readAs(DossierDraftClosingSoonV1, v1)).toEqual({ definition: DossierDraftClosingSoon, data: { ...v1, number: null } });
  });

  it('given v1 data that breaks its own schema, when read, then the error names the field, and nothing is upcast', () => {
    const read = readAs(DossierDraftClosingSoonV1, { dossierId: 'd-1', callId: 'c-1', waveId: 'w', organisationId: 'o', title: 'x', closesAt: 'demain', daysLeft: 3 });
    expect(read).toMatchObject({ definition: DossierDraftClosingSoonV1, error: expect.stringContaining('closesAt') });
  });

  it('given a v2 submission whose top reference disagrees with its snapshot, then it is refused, naming the field', () => {
    const parsed = DossierSubmitted.schema.safeParse({ ...referenceOfSnapshot(snapshot), organisationId: '200046977', dossier: snapshot });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain('organisationId');
  });

  it('given a producer, then superseded versions are never current: each is read as a version no producer stops emitting', () => {
    for (const old of [DossierSubmittedV1, DossierResubmittedV1, DossierDraftClosingSoonV1]) {
      expect(catalogue.get(old.type)).toBe(old);
      expect(catalogue.current(old.type)).toBe(old.supersededBy!.definition);
      expect(catalogue.current(old.type)!.supersededBy).toBeUndefined();
    }
  });
});

describe('the dossier reference in every dossier.* and evaluation.* event', () => {
  const REFERENCE = ['dossierId', 'number', 'callId', 'waveId', 'organisationId'];
  const current = catalogue.all().filter((d) => /^(dossier|evaluation)\./.test(d.name) && !d.supersededBy);

  it.each(current.map((d) => [d.type, d] as const))('%s has the five reference fields, required, at the top of its data', (_type, definition) => {
    const schema = z.toJSONSchema(definition.schema, { io: 'input', unrepresentable: 'any' }) as { required?: string[]; properties: Record<string, { type?: string }> };
    expect(schema.required).toEqual(expect.arrayContaining(REFERENCE));
    for (const field of REFERENCE.filter((f) => f !== 'number')) expect(schema.properties[field]?.type, field).toBe('string');
    // A draft has no receipt number yet: `null` for a draft's event, a string for every other.
    expect(schema.properties.number?.type).toBe(['dossier.draft-closing-soon', 'dossier.draft-saved'].includes(definition.name) ? 'null' : 'string');
  });

  it('covers the submission and the evaluation events', () => {
    expect(current.map((d) => d.type)).toEqual(expect.arrayContaining(['dossier.submitted.v2', 'dossier.resubmitted.v2', 'dossier.draft-closing-soon.v2', 'dossier.accepted.v3', 'evaluation.completed.v1']));
  });
});
