import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AwardGranted, eventTopicName } from '@aap/contracts';
import { eventPublisher, eventually, httpClient, startServiceProcess, useTestEnvironment, type ServiceProcess } from '@aap/test-harness';
import { acceptDossier, settledAward, wholeTopic } from '../int-fixtures';

/**
 * A separately started process (its real entry point) takes its clock from AAP_CLOCK_OFFSET: the
 * award's facts are dated on the shifted clock. Production refuses the variable at start-up.
 */

const env = useTestEnvironment();
const processes: ServiceProcess[] = [];
afterAll(() => Promise.all(processes.map((p) => p.stop())));

describe('AAP_CLOCK_OFFSET in a service process', () => {
  it('given NODE_ENV=production, when the process starts with an offset, then it exits 1 naming the variable', async () => {
    const child = await startServiceProcess('funding-award', env.envFor('funding-award', { NODE_ENV: 'production', AAP_CLOCK_OFFSET: 'P2Y' }), { waitForListening: false });
    processes.push(child);
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('AAP_CLOCK_OFFSET: production runs on the real time: unset AAP_CLOCK_OFFSET');
  });

  it('given an offset of two years and a day, when an acceptance is consumed, then award.granted is dated two years and a day on', async () => {
    const child = await startServiceProcess('funding-award', env.envFor('funding-award', { AAP_CLOCK_OFFSET: 'P2Y1D' }));
    processes.push(child);
    const awardId = randomUUID();
    const publisher = await eventPublisher(env);
    const before = new Date();
    await acceptDossier(env, publisher, awardId).finally(() => publisher.disconnect());
    await eventually(async () => expect((await httpClient(child.url).as('finance').get(`/awards/${awardId}`)).status).toBe(200), { timeoutMs: 30_000 });

    // The award is stored before its relay publishes award.granted: read the topic once its outbox is published.
    await settledAward(env, awardId);
    const granted = (await wholeTopic(env, eventTopicName(env.prefix, AwardGranted.topic))).find((m) => m.key === awardId && m.headers.ce_type === AwardGranted.type);
    const after = new Date();
    const twoYearsAndADayOn = (instant: Date) => {
      const shifted = new Date(instant);
      shifted.setUTCFullYear(instant.getUTCFullYear() + 2, instant.getUTCMonth(), instant.getUTCDate() + 1);
      return shifted.getTime();
    };
    const at = new Date(JSON.parse(granted!.value!).at).getTime();
    expect(at).toBeGreaterThanOrEqual(twoYearsAndADayOn(before));
    expect(at).toBeLessThanOrEqual(twoYearsAndADayOn(after));
  });
});
