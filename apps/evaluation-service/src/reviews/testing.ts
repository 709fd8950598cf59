import { expect } from 'vitest';
import { eventTopicName, type EventDefinition } from '@aap/contracts';
import { readTopic, type HttpAnswer, type TestEnvironment } from '@aap/test-harness';
import type { Assignment } from '../evaluations/evaluation';
import type { EvaluationHarness } from '../testing/fixtures';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Puts reviewers on an evaluation as the reviewers slice would, with the same guarded write
 * (`{_id, version}` → `$inc version`) on the real database, until the tests go through the real
 * assigner. Waits for the evaluation's outbox first, so the relay and this write never interleave.
 */
export async function assignReviewers(env: TestEnvironment, harness: EvaluationHarness, dossierId: string, reviewerIds: string[]): Promise<void> {
  await harness.settled(dossierId);
  const evaluations = env.database('evaluation').collection<{ _id: string; version: number; assignments: Assignment[] }>('evaluations');
  const current = await evaluations.findOne({ _id: dossierId });
  if (!current) throw new Error(`no evaluation of ${dossierId}`);
  const now = new Date();
  const added: Assignment[] = reviewerIds.map((reviewerId) => ({
    reviewerId,
    name: `Expert ${reviewerId}`,
    email: `${reviewerId}@experts.example.org`,
    assignedAt: now,
    dueAt: new Date(now.getTime() + 21 * DAY_MS),
    state: 'assigned',
  }));
  const written = await evaluations.updateOne({ _id: dossierId, version: current.version }, { $set: { assignments: [...current.assignments, ...added] }, $inc: { version: 1 } });
  expect(written.modifiedCount).toBe(1);
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
export async function eventsOn(env: TestEnvironment, definition: EventDefinition, dossierId: string, atLeast = 1): Promise<any[]> {
  const messages = await readTopic(env.kafka(), eventTopicName(env.prefix, definition.topic), { atLeast, settleMs: 300 });
  return messages
    .filter((m) => m.key === dossierId && m.headers.ce_type === definition.type)
    .map((m) => JSON.parse(m.value!));
}

/** A problem+json answer with this status whose `errors` are exactly these (name, pointer) entries. */
export function expectProblem(answer: HttpAnswer, status: number, errors: Array<{ name: string; pointer?: string }>) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  expect(answer.body.errors.map((e: { name: string; pointer?: string }) => ({ name: e.name, ...(e.pointer ? { pointer: e.pointer } : {}) }))).toEqual(errors);
}
