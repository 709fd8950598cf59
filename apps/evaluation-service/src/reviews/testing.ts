import { expect } from 'vitest';
import { eventTopicName, type CallSnapshot, type DossierSnapshot, type EventDefinition } from '@aap/contracts';
import { eventually, type HttpAnswer, type TestEnvironment } from '@aap/test-harness';
import type { Assignment } from '../evaluations/evaluation';
import { publishedOn, type EvaluationHarness } from '../testing/fixtures';

/**
 * A published call whose reviewer pool is exactly these reviewers (PUT /calls/:callId/reviewers/:id,
 * as a programme manager does), so the real assigner gives each dossier of the call all of them.
 */
export async function callWithPool(harness: EvaluationHarness, call: CallSnapshot, reviewerIds: string[]): Promise<void> {
  await harness.publishCall(call);
  for (const reviewerId of reviewerIds) await joinPool(harness, call.callId, reviewerId);
}

/** Adds a reviewer to the call's pool (retried until this service holds its copy of the call). */
export async function joinPool(harness: EvaluationHarness, callId: string, reviewerId: string): Promise<void> {
  await eventually(async () => {
    const answer = await harness.manager().put(`/calls/${callId}/reviewers/${reviewerId}`, { name: `Expert ${reviewerId}`, email: `${reviewerId}@experts.example.org`, departement: '75' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  });
}

export async function leavePool(harness: EvaluationHarness, callId: string, reviewerId: string): Promise<void> {
  expect((await harness.manager().delete(`/calls/${callId}/reviewers/${reviewerId}`)).status).toBe(204);
}

/** Submits the dossier and waits until it is in review with these reviewers assigned (by the real assigner) and settled. */
export async function submittedForReview(harness: EvaluationHarness, dossier: DossierSnapshot, reviewerIds: string[]): Promise<void> {
  await harness.submit(dossier);
  await eventually(async () => {
    const stored = (await harness.stored(dossier.dossierId)) as unknown as { stage: string; assignments: Assignment[] } | null;
    expect(stored?.stage).toBe('in-review');
    expect(stored?.assignments.map((a) => a.reviewerId).sort()).toEqual([...reviewerIds].sort());
  });
  await harness.settled(dossier.dossierId);
}

/** A review's four scores on the test call's grid (ancrage 40, publics 30, modele 20, partenariats 10; all out of 10). */
export const scoresOf = (ancrage: number, publics: number, modele: number, partenariats: number, comment = 'Argumenté.') => ({
  scores: [
    { criterionId: 'ancrage', score: ancrage, comment },
    { criterionId: 'publics', score: publics, comment },
    { criterionId: 'modele', score: modele, comment },
    { criterionId: 'partenariats', score: partenariats, comment },
  ],
});

/** The events of one definition for one dossier on its topic (key = dossier id). */
export function eventsOn(env: TestEnvironment, definition: EventDefinition, dossierId: string, atLeast = 1): Promise<any[]> {
  return eventually(async () => {
    const found = (await publishedOn(env, eventTopicName(env.prefix, definition.topic))).filter((m) => m.key === dossierId && m.headers.ce_type === definition.type).map((m) => JSON.parse(m.value!));
    expect(found.length).toBeGreaterThanOrEqual(atLeast);
    return found;
  });
}

/** A problem+json answer with this status whose `errors` are exactly these (name, pointer) entries. */
export function expectProblem(answer: HttpAnswer, status: number, errors: Array<{ name: string; pointer?: string }>) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  expect(answer.body.errors.map((e: { name: string; pointer?: string }) => ({ name: e.name, ...(e.pointer ? { pointer: e.pointer } : {}) }))).toEqual(errors);
}
