import { describe, expect, it } from 'vitest';
import { catalogue, DOSSIER_STATUSES, type DossierStatus } from './index';
import {
  ACTIVE_STATUSES,
  DOSSIER_FACTS,
  DOSSIER_TRANSITIONS,
  dossierFactOf,
  EDITABLE_STATUSES,
  EVALUATION_FACTS,
  evolve,
  WITHDRAWABLE_STATUSES,
  type DossierFact,
} from './lifecycle';

describe('the dossier lifecycle', () => {
  it.each<[DossierStatus, DossierFact, DossierStatus]>([
    ['draft', 'submitted', 'submitted'],
    ['submitted', 'review-started', 'under-review'],
    ['under-review', 'complement-requested', 'complement-requested'],
    ['complement-requested', 'resubmitted', 'under-review'],
    ['under-review', 'waitlisted', 'waitlisted'],
    ['waitlisted', 'accepted', 'accepted'],
    ['under-review', 'rejected', 'rejected'],
    ['submitted', 'closed-without-follow-up', 'closed-without-follow-up'],
    ['accepted', 'decision-reopened', 'under-review'],
    ['complement-requested', 'withdrawn', 'withdrawn'],
  ])('given a %s dossier, when it is %s, then it is %s', (status, fact, next) => {
    expect(evolve(status, fact)).toEqual({ status: next });
  });

  it.each<[DossierStatus, DossierFact]>([
    ['draft', 'accepted'],
    ['submitted', 'accepted'],
    ['accepted', 'withdrawn'],
    ['withdrawn', 'review-started'],
    ['under-review', 'submitted'],
    ['under-review', 'decision-reopened'],
    ['submitted', 'resubmitted'],
  ])('given a %s dossier, when it would be %s, then the transition is refused with the reason', (status, fact) => {
    const outcome = evolve(status, fact);
    expect(outcome).toEqual({ refused: expect.stringContaining(`dossier.${fact} cannot apply to a dossier that is ${status}`) });
  });

  it('given every status and fact, when evolved, then only the table moves a dossier and only to a known status', () => {
    for (const status of DOSSIER_STATUSES) {
      for (const fact of DOSSIER_FACTS) {
        const outcome = evolve(status, fact);
        const allowed = (DOSSIER_TRANSITIONS[fact].from as readonly DossierStatus[]).includes(status);
        expect('status' in outcome).toBe(allowed);
        if ('status' in outcome) expect(DOSSIER_STATUSES).toContain(outcome.status);
      }
    }
  });

  it('given the status groups, then they are the ones the rules speak of', () => {
    expect([...EDITABLE_STATUSES]).toEqual(['draft', 'complement-requested']);
    expect([...WITHDRAWABLE_STATUSES]).toEqual(['submitted', 'under-review', 'complement-requested']);
    expect([...ACTIVE_STATUSES].sort()).toEqual(['accepted', 'complement-requested', 'submitted', 'under-review', 'waitlisted']);
  });

  it('given a withdrawable dossier, then it is active (a withdrawal always frees a place of the per-wave rule)', () => {
    for (const status of WITHDRAWABLE_STATUSES) expect(ACTIVE_STATUSES).toContain(status);
  });

  it('given the catalogue, then every fact of the table is a dossier event of its current version, and back', () => {
    const dossierTypes = catalogue.all().filter((d) => d.name.startsWith('dossier.'));
    for (const fact of DOSSIER_FACTS) expect(dossierTypes.map((d) => d.name)).toContain(`dossier.${fact}`);
    expect(dossierFactOf('dossier.accepted.v3')).toBe('accepted');
    expect(dossierFactOf('dossier.draft-closing-soon.v1')).toBeUndefined();
    expect(dossierFactOf('call.closed.v1')).toBeUndefined();
    for (const fact of EVALUATION_FACTS) {
      expect(dossierTypes.find((d) => d.name === `dossier.${fact}`)?.producer).toBe('evaluation');
    }
  });

  it('given an evaluation event, then it carries the whole dossier reference', () => {
    for (const fact of EVALUATION_FACTS) {
      const definition = catalogue.all().find((d) => d.name === `dossier.${fact}`)!;
      const parsed = definition.schema.safeParse({ dossierId: 'd', callId: 'c', at: '2026-04-10T09:00:00+02:00' });
      expect(parsed.success, `${definition.type} without number, waveId, organisationId`).toBe(false);
    }
  });
});
