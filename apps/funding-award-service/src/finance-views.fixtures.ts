import { CallPublished, type CallSnapshot } from '@aap/contracts';
import { type HttpClient, type TestEnvironment, type eventPublisher } from '@aap/test-harness';
import { passNumeriqueCallRules } from '@aap/submission-service/demo';
import { TEST_TEAM } from './award-fixtures';
import { awardActors } from './int-fixtures';

/**
 * Fixtures of the finance views' integration tests (ledger, payments export, history; imported by
 * tests only): a call of their own, awards on it taken to their payments over HTTP.
 */

type Publisher = Awaited<ReturnType<typeof eventPublisher>>;

/** A published Pass numérique call (the demo's rules) as the submission service publishes it, with this envelope. */
export function callOf(callId: string, budgetEnvelopeCents: number): CallSnapshot {
  const rules = passNumeriqueCallRules({ budgetEnvelopeCents }, new Date('2026-09-01T09:00:00+02:00'));
  return { ...rules, callId, status: 'published', closesAt: rules.waves.at(-1)!.closesAt, publishedAt: '2026-09-01T07:00:00.000Z', version: 1, team: TEST_TEAM };
}

export { ok } from './int-fixtures';

/** The finance views' tests: the service's callers and awards (`awardActors`), on a call of their own. */
export function financeActors(env: TestEnvironment, api: () => HttpClient, publisher: () => Publisher) {
  return {
    ...awardActors(env, api, publisher),
    /** The call published, as the submission service does. */
    publishCall: (call: CallSnapshot) => publisher().publish(CallPublished, { call }),
  };
}
