import { describe, expect, it } from 'vitest';
import { decider, thenOf } from '@aap/test-harness/decider-spec';
import { emailChoices, emailEnabled, replaceEmailChoices, type Preferences } from './preferences';

const NOW = new Date('2026-04-02T10:00:00Z');
const stored: Preferences = { organisationId: '216901231', email: { reminders: false, calls: false }, updatedAt: new Date('2026-03-01T00:00:00Z'), updatedBy: 'u0', version: 3 };

describe('notification preferences', () => {
  it('given none chosen, when an organisation turns reminders off, then only reminders are off', () => {
    const spec = thenOf(replaceEmailChoices(null, { organisationId: '216901231', email: { reminders: false }, by: 'u1' }, NOW));
    spec.thenState({ organisationId: '216901231', email: { reminders: false }, updatedAt: NOW, updatedBy: 'u1' }).then();
    const next = (spec.decision as { state: Preferences }).state;
    expect(emailChoices(next)).toEqual({ 'dossier-status': true, reminders: false, calls: true });
  });

  it('given choices, when they are replaced, then a category left out is on again', () => {
    const spec = decider(replaceEmailChoices).given(stored).when({ organisationId: '216901231', email: { 'dossier-status': false }, by: 'u2' }, NOW);
    spec.thenState({ email: { 'dossier-status': false }, updatedBy: 'u2' });
    const next = (spec.decision as { state: Preferences }).state;
    expect([emailEnabled(next, 'dossier-status'), emailEnabled(next, 'reminders'), emailEnabled(next, 'calls')]).toEqual([false, true, true]);
  });

  it('with no preferences, every category is e-mailed', () => {
    expect(emailChoices(null)).toEqual({ 'dossier-status': true, reminders: true, calls: true });
  });
});
