import { expect } from 'vitest';
import { accepted, eventTopicName, type CallSnapshot, type DossierSnapshot, type EventDefinition } from '@aap/contracts';
import { aggregateKit, type ServiceContext } from '@aap/service-runtime';
import { eventually, type TestEnvironment } from '@aap/test-harness';
import { andThen, type Assignment, type EvaluationDecision } from '../evaluations';
import { evaluationStore } from '../evaluations/evaluation.store';
import { submitReview } from '../reviews/review';
import { publishedOn, startEvaluation } from '../testing/fixtures';
import { envelopeStore } from './envelope.store';

/**
 * The evaluation service for the committee's tests, with the stores on its own connection: a test
 * completes an evaluation by assigning its reviewers and submitting their reviews with the reviews
 * slice's decide function (so evaluation.review-submitted and evaluation.completed go out as in
 * production), then waits until the ranked list shows the dossier (the scoreboard is a consumer hop away).
 */
export async function startCommittee(env: TestEnvironment) {
  const harness = await startEvaluation(env);
  const { db } = harness.service;
  // The service's own models (already declared), with the kit that turns decided events into pending ones.
  const context = { ...aggregateKit('evaluation', db, { track() {} }), aggregate: (name: string) => db.model(name) } as unknown as ServiceContext;
  const store = evaluationStore(context);
  const envelopes = envelopeStore(context);

  /** Reviewers' scores: one number per criterion of the call's grid, in grid order. */
  async function complete(call: CallSnapshot, dossier: DossierSnapshot, scoresByReviewer: Record<string, number[]>) {
    const now = new Date();
    const reviewers = Object.keys(scoresByReviewer);
    const assignments: Assignment[] = reviewers.map((reviewerId) => ({ reviewerId, name: reviewerId, email: `${reviewerId}@example.org`, assignedAt: now, dueAt: now, state: 'assigned' }));
    // The state the command needs (reviewers assigned on admission, a consumer hop away), then the command once.
    await eventually(async () => expect((await store.get(dossier.dossierId))?.stage).toBe('in-review'));
    const handled = await store.commands.handleExisting(dossier.dossierId, async (state) => {
      let decision: EvaluationDecision = accepted({ ...state, assignments });
      for (const reviewerId of reviewers) {
        const scores = call.scoringGrid.criteria.map((criterion, i) => ({ criterionId: criterion.criterionId, score: scoresByReviewer[reviewerId]![i]!, comment: 'Avis motivé.' }));
        decision = await andThen(decision, (reviewed) => submitReview(reviewed, call, { reviewerId, scores }, now));
      }
      return decision;
    });
    expect(handled?.after?.stage).toBe('evaluated');
    await onRankedList(call, dossier);
  }

  /** Waits until the wave's ranked list (the scoreboard) shows the dossier. */
  async function onRankedList(call: CallSnapshot, dossier: DossierSnapshot) {
    await eventually(async () => {
      const list = await harness.committee().get(`/calls/${call.callId}/waves/${dossier.waveId}/ranking`, { query: { pageSize: 100 } });
      expect(list.body.items.map((row: { number: string }) => row.number)).toContain(dossier.number);
    });
  }

  /** Submits the dossier and completes its evaluation with these scores. */
  async function evaluated(call: CallSnapshot, dossier: DossierSnapshot, scoresByReviewer: Record<string, number[]>) {
    await harness.submit(dossier);
    await complete(call, dossier, scoresByReviewer);
    return dossier;
  }

  /** The data of the events of one type on its topic, once at least `atLeast` of them are published (everything published is read). */
  function eventsOf<D extends EventDefinition>(definition: D, atLeast = 1): Promise<Array<Record<string, any>>> {
    return eventually(async () => {
      const found = (await publishedOn(env, eventTopicName(env.prefix, definition.topic))).filter((m) => m.headers.ce_type === definition.type).map((m) => JSON.parse(m.value!));
      expect(found.length).toBeGreaterThanOrEqual(atLeast);
      return found;
    });
  }

  return { ...harness, store, envelopes, complete, evaluated, eventsOf, onRankedList };
}

/** Three reviewers giving every criterion the same score (0–10): a weighted score of 10 × score. */
export const uniformReviews = (score: number, criteria = 4) => ({
  'reviewer-a': Array(criteria).fill(score),
  'reviewer-b': Array(criteria).fill(score),
  'reviewer-c': Array(criteria).fill(score),
});
