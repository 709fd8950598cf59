import { accepted, eventTopicName, type CallSnapshot, type DossierSnapshot, type EventDefinition } from '@aap/contracts';
import { aggregateKit, type ServiceContext } from '@aap/service-runtime';
import { eventually, readTopic, type TestEnvironment } from '@aap/test-harness';
import type { Assignment, Review } from '../evaluations';
import { evaluationStore } from '../evaluations/evaluation.store';
import { weightedScore } from '../scoring/scoring';
import { startEvaluation } from '../testing/fixtures';
import { budgetStore } from './budget.store';

/**
 * The evaluation service for the committee's tests, with the stores on its own connection: until the
 * reviews slice lands, a test completes an evaluation (assignments, submitted reviews, stage
 * `evaluated`) through the evaluation store's `transition`, as the reviews slice will.
 */
export async function startCommittee(env: TestEnvironment) {
  const harness = await startEvaluation(env);
  const { db } = harness.service;
  // The service's own models (already declared), with the kit that turns decided events into pending ones.
  const context = { ...aggregateKit('evaluation', db, { track() {} }), aggregate: (name: string) => db.model(name) } as unknown as ServiceContext;
  const store = evaluationStore(context);
  const ledgers = budgetStore(context);

  /** Reviewers' scores: one number per criterion of the call's grid, in grid order. */
  async function complete(call: CallSnapshot, dossier: DossierSnapshot, scoresByReviewer: Record<string, number[]>) {
    const now = new Date();
    const reviews: Review[] = Object.entries(scoresByReviewer).map(([reviewerId, values]) => {
      const scores = call.scoringGrid.criteria.map((criterion, i) => ({ criterionId: criterion.criterionId, score: values[i]!, comment: 'Avis motivé.' }));
      return { reviewerId, scores, weightedScore: weightedScore(call.scoringGrid, scores), submittedAt: now };
    });
    const assignments: Assignment[] = reviews.map((r) => ({ reviewerId: r.reviewerId, name: r.reviewerId, email: `${r.reviewerId}@example.org`, assignedAt: now, dueAt: now, state: 'submitted' }));
    await eventually(async () => {
      const outcome = await store.transition(dossier.dossierId, (state) => {
        if (state.stage !== 'in-review') throw new Error(`${dossier.number} is at ${state.stage}`);
        return accepted({ ...state, stage: 'evaluated', assignments, reviews, completedAt: now });
      });
      if (outcome?.decision.outcome !== 'accepted') throw new Error(`${dossier.number} not completed`);
    });
  }

  /** Submits the dossier and completes its evaluation with these scores. */
  async function evaluated(call: CallSnapshot, dossier: DossierSnapshot, scoresByReviewer: Record<string, number[]>) {
    await harness.submit(dossier);
    await complete(call, dossier, scoresByReviewer);
    return dossier;
  }

  /** The data of the events of one type on its topic (at least `atLeast` of them). */
  async function eventsOf<D extends EventDefinition>(definition: D, atLeast = 1): Promise<Array<Record<string, any>>> {
    const messages = await readTopic(env.kafka(), eventTopicName(env.prefix, definition.topic), { atLeast, timeoutMs: 30_000, settleMs: 500 });
    return messages.filter((m) => m.headers.ce_type === definition.type).map((m) => JSON.parse(m.value!));
  }

  return { ...harness, store, ledgers, complete, evaluated, eventsOf };
}

/** Three reviewers giving every criterion the same score (0–10): a weighted score of 10 × score. */
export const uniformReviews = (score: number, criteria = 4) => ({
  'reviewer-a': Array(criteria).fill(score),
  'reviewer-b': Array(criteria).fill(score),
  'reviewer-c': Array(criteria).fill(score),
});
