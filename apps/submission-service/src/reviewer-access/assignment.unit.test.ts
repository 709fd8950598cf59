import { describe, it } from 'vitest';
import { decider } from '@aap/test-harness/decider-spec';
import { applyAssignmentFact, type AssignmentFact, type ReviewerAssignment } from './assignment';

const T1 = new Date('2026-04-01T10:00:00Z');
const T2 = new Date('2026-04-02T10:00:00Z');
const fact = (kind: AssignmentFact['kind'], at: Date, eventId: string): AssignmentFact => ({ kind, dossierId: 'd-1', reviewerId: 'rev-1', at, eventId });
const access = decider((current: ReviewerAssignment | null, applied: AssignmentFact) => applyAssignmentFact(current, applied));
const stored = (kind: AssignmentFact['kind'], at: Date, eventId: string, version = 1): ReviewerAssignment => ({
  _id: 'd-1:rev-1',
  dossierId: 'd-1',
  reviewerId: 'rev-1',
  active: kind === 'assigned',
  at,
  eventId,
  version,
});

describe('applyAssignmentFact', () => {
  it('given no assignment, when the reviewer is assigned, then an active assignment keyed <dossierId>:<reviewerId>, version 1', () => {
    const spec = access.given(null).when(fact('assigned', T1, 'e-1')).then();
    spec.thenState({ _id: 'd-1:rev-1', dossierId: 'd-1', reviewerId: 'rev-1', active: true, at: T1, eventId: 'e-1', version: 1 });
  });

  it('given an active assignment, when the reviewer declares a conflict later, then it ends (the store moves the version on)', () => {
    access.given(stored('assigned', T1, 'e-1')).when(fact('conflict-declared', T2, 'e-2')).thenState({ active: false, at: T2, eventId: 'e-2', version: 1 });
  });

  it('given an assignment, when the same event comes again, then nothing changes', () => {
    access.given(stored('assigned', T1, 'e-1')).when(fact('assigned', T1, 'e-1')).thenNothingHappens();
  });

  it('given an ended assignment, when an older assignment arrives (a replay), then it stays ended', () => {
    access.given(stored('conflict-declared', T2, 'e-2')).when(fact('assigned', T1, 'e-1')).thenNothingHappens().thenState({ active: false });
  });

  it('given an ended assignment, when the reviewer is assigned again later (a manager completing the dossier), then it is active again', () => {
    access.given(stored('conflict-declared', T1, 'e-1', 2)).when(fact('assigned', T2, 'e-3')).thenState({ active: true, version: 2 });
  });
});
