import { describe, expect, it } from 'vitest';
import { applyAssignmentFact, type AssignmentFact } from './assignment';

const T1 = new Date('2026-04-01T10:00:00Z');
const T2 = new Date('2026-04-02T10:00:00Z');
const fact = (kind: AssignmentFact['kind'], at: Date, eventId: string): AssignmentFact => ({ kind, dossierId: 'd-1', reviewerId: 'rev-1', at, eventId });

describe('applyAssignmentFact', () => {
  it('given no assignment, when the reviewer is assigned, then an active assignment keyed <dossierId>:<reviewerId>', () => {
    expect(applyAssignmentFact(null, fact('assigned', T1, 'e-1'))).toEqual({ _id: 'd-1:rev-1', dossierId: 'd-1', reviewerId: 'rev-1', active: true, at: T1, eventId: 'e-1', version: 1 });
  });

  it('given an active assignment, when the reviewer declares a conflict later, then it ends (next version)', () => {
    const current = applyAssignmentFact(null, fact('assigned', T1, 'e-1'))!;
    expect(applyAssignmentFact(current, fact('conflict-declared', T2, 'e-2'))).toMatchObject({ active: false, at: T2, eventId: 'e-2', version: 2 });
  });

  it('given an assignment, when the same event comes again, then nothing changes', () => {
    const current = applyAssignmentFact(null, fact('assigned', T1, 'e-1'))!;
    expect(applyAssignmentFact(current, fact('assigned', T1, 'e-1'))).toBeNull();
  });

  it('given an ended assignment, when an older assignment arrives (a replay), then it stays ended', () => {
    const ended = applyAssignmentFact(null, fact('conflict-declared', T2, 'e-2'))!;
    expect(ended.active).toBe(false);
    expect(applyAssignmentFact(ended, fact('assigned', T1, 'e-1'))).toBeNull();
  });

  it('given an ended assignment, when the reviewer is assigned again later (a manager completing the dossier), then it is active again', () => {
    const ended = applyAssignmentFact(null, fact('conflict-declared', T1, 'e-1'))!;
    expect(applyAssignmentFact(ended, fact('assigned', T2, 'e-3'))).toMatchObject({ active: true, version: 2 });
  });
});
