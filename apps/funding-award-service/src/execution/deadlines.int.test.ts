import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwardAmountReleased, AwardLapsed, eventTopicName } from '@aap/contracts';
import { eventPublisher, eventually, httpClient, movableClock, useTestEnvironment } from '@aap/test-harness';
import { service } from '../service';
import { acceptDossier, LYON, settledAward, wholeTopic } from '../int-fixtures';

/**
 * The deadlines on the injected clock: instances of the service (two, a third started by the upgrade
 * test) share the database and run the deadline job side by side, on a clock the test moves two years on. An award not started by its
 * start deadline lapses and releases its whole grant, once; an extended deadline holds.
 */

const env = useTestEnvironment();
const clock = movableClock();
let api: ReturnType<typeof httpClient>;

beforeAll(async () => {
  const [one] = await Promise.all([env.startService(service, {}, { clock: clock.now }), env.startService(service, {}, { clock: clock.now })]);
  api = httpClient(one.url);
  const publisher = await eventPublisher(env);
  return () => publisher.disconnect();
});

const manager = () => api.as('programme-manager', { sub: 'manager-1' });
const statusOf = async (awardId: string) => (await api.as('finance').get(`/awards/${awardId}`)).body.status as string;
const cursorDay = async () => (await env.database('funding-award').collection<{ _id: string; day: string }>('award_deadline_cursor').findOne({ _id: 'award-lapses' }))?.day;

/** Once the job's cursor reached `day`, every award due by then was decided by one of the instances (the cursor moves after the walk). */
const walkedTo = (day: string) => eventually(async () => expect(await cursorDay()).toBe(day), { timeoutMs: 30_000 });

async function granted(): Promise<string> {
  const awardId = randomUUID();
  const publisher = await eventPublisher(env);
  await acceptDossier(env, publisher, awardId).finally(() => publisher.disconnect());
  await eventually(async () => expect(await statusOf(awardId)).toBe('granted'));
  return awardId;
}

/**
 * The award's events as its consumers see them: one per event id (the relays of two instances may both
 * publish an outbox entry, at least once; consumers skip an id they handled). A second lapse would be
 * a second write, hence another id.
 */
const eventsOf = async (awardId: string) => {
  await settledAward(env, awardId);
  const messages = (await wholeTopic(env, eventTopicName(env.prefix, AwardLapsed.topic))).filter((m) => m.key === awardId);
  const byId = new Map(messages.map((m) => [m.headers.ce_id, { type: m.headers.ce_type, data: JSON.parse(m.value!) }]));
  return [...byId.values()];
};

// Before the clock moves (the next describe takes it two years on).
describe('the start-deadline extension over HTTP', () => {
  it('given an award, when the programme manager extends it twice, by too much, or as someone else, then each is refused naming its rule', async () => {
    const awardId = await granted();
    const tooLong = await manager().post(`/awards/${awardId}/start-deadline-extension`, { months: 13, reason: 'Retard' });
    expect(tooLong.status).toBe(422);
    expect(tooLong.headers['content-type']).toContain('application/problem+json');
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ name: 'extension-max' })]);

    expect((await manager().post(`/awards/${awardId}/start-deadline-extension`, { months: 12, reason: 'Retard' })).status).toBe(200);
    const again = await manager().post(`/awards/${awardId}/start-deadline-extension`, { months: 1, reason: 'Encore' });
    expect(again.status).toBe(422);
    expect(again.body.errors).toEqual([expect.objectContaining({ name: 'single-extension' })]);

    const noReason = await manager().post(`/awards/${awardId}/start-deadline-extension`, { months: 'six' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors.map((e: { name: string }) => e.name).sort()).toEqual(['months', 'reason']);

    for (const role of ['applicant', 'finance'] as const) {
      expect((await api.as(role, { org: LYON }).post(`/awards/${awardId}/start-deadline-extension`, { months: 1, reason: 'x' })).status).toBe(403);
    }
    expect((await manager().post(`/awards/${randomUUID()}/start-deadline-extension`, { months: 1, reason: 'x' })).status).toBe(404);
  });
});

describe('awards written before deadlineDay existed', () => {
  it('given an award without deadlineDay, when an instance starts, then the start-up upgrade gives it its day', async () => {
    const awardId = await granted();
    const db = env.database('funding-award');
    await db.collection<{ _id: string }>('awards').updateOne({ _id: awardId }, { $unset: { deadlineDay: '' } });
    await db.collection<{ _id: string }>('schema_upgrades').deleteOne({ _id: 'award-deadline-days' });
    await env.startService(service, {}, { clock: clock.now });
    expect(await db.collection<{ _id: string; deadlineDay?: string }>('awards').findOne({ _id: awardId })).toMatchObject({ deadlineDay: '2028-11-21' });
  });
});

describe('the start deadline, extended or not, on a clock moved two years on', () => {
  it('given an award not started and one extended by six months, when the clock passes the first deadline, then only the first lapses, once, releasing its whole grant; the second lapses after its own', async () => {
    const [notStarted, extended] = await Promise.all([granted(), granted()]);
    await walkedTo(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(clock.now()));

    const extension = await manager().post(`/awards/${extended}/start-deadline-extension`, { months: 6, reason: 'Marché public infructueux' });
    expect(extension.status).toBe(200);
    expect(extension.body).toMatchObject({ status: 'granted', startDeadline: '2029-05-20' });

    // The acceptance was notified on 2026-11-20: execution had to start by 2028-11-20.
    clock.set('2028-11-22T10:00:00.000Z');
    await eventually(async () => expect(await statusOf(notStarted)).toBe('lapsed'), { timeoutMs: 30_000 });
    await walkedTo('2028-11-22');
    expect(await statusOf(extended)).toBe('granted');

    const events = await eventsOf(notStarted);
    expect(events.filter((e) => e.type === AwardLapsed.type)).toEqual([{ type: AwardLapsed.type, data: expect.objectContaining({ reason: 'not-started', deadline: '2028-11-20', organisationId: LYON }) }]);
    expect(events.filter((e) => e.type === AwardAmountReleased.type)).toEqual([{ type: AwardAmountReleased.type, data: expect.objectContaining({ amountCents: 2_000_000, cause: 'lapse' }) }]);
    expect((await api.as('finance').get(`/awards/${notStarted}`)).body).toMatchObject({ releasedCents: 2_000_000, outstandingCents: 0, closedAt: expect.stringMatching(/^2028-11-22/) });
    // Created, then written once: the lapse (the other instance's decision found it lapsed and wrote nothing).
    expect((await settledAward(env, notStarted)).version).toBe(2);

    clock.set('2029-05-21T10:00:00.000Z');
    await eventually(async () => expect(await statusOf(extended)).toBe('lapsed'), { timeoutMs: 30_000 });
    await walkedTo('2029-05-21');
    expect((await eventsOf(extended)).map((e) => e.type)).toEqual(expect.arrayContaining([AwardLapsed.type, AwardAmountReleased.type]));
    expect((await eventsOf(notStarted)).filter((e) => e.type === AwardLapsed.type)).toHaveLength(1);
  });
});
