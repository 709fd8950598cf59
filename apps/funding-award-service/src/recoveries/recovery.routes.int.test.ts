import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AwardRecoveryOrdered, eventTopicName } from '@aap/contracts';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { LYON, awardActors, ok, settledAward, useFundingAward, wholeTopic } from '../int-fixtures';

/** Finance orders money back by hand (titre de perception) over HTTP; the order shows in the award and is published once. */

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env);
const { beneficiary, finance, validatedAdvance, pay } = awardActors(env, api, publisher);

/** An award with its whole advance (6 000 €) paid, through the routes. */
async function paidAdvance(): Promise<string> {
  const { awardId, trancheId } = await validatedAdvance();
  await pay(awardId, trancheId, { validated: true, paymentReference: 'CHORUS-1' });
  return awardId;
}

describe('recovery orders over HTTP', () => {
  it('given a paid advance, when finance orders part of it back, then the award shows the order and award.recovery-ordered is published once', async () => {
    const awardId = await paidAdvance();
    const award = ok(await finance(3).post(`/awards/${awardId}/recovery-orders`, { amountCents: 150_000, dueOn: '2099-03-31', reason: 'Dépense inéligible au contrôle' }));
    expect(award).toMatchObject({ paidCents: 600_000, recoveredCents: 150_000, recoveries: [{ recoveryId: `${awardId}-R1`, amountCents: 150_000, dueOn: '2099-03-31', reason: 'Dépense inéligible au contrôle', orderedAt: expect.any(String) }] });
    expect(ok(await beneficiary().get(`/awards/${awardId}`)).recoveries).toHaveLength(1);

    await settledAward(env, awardId);
    const ordered = (await wholeTopic(env, eventTopicName(env.prefix, AwardRecoveryOrdered.topic))).filter((m) => m.key === awardId && m.headers.ce_type === AwardRecoveryOrdered.type);
    expect(new Set(ordered.map((m) => m.headers.ce_id)).size).toBe(1);
    expect(JSON.parse(ordered[0]!.value!)).toMatchObject({ amountCents: 150_000, dueOn: '2099-03-31', organisationId: LYON });
  });

  it('given more than was paid and not yet ordered back, a past due date, a bad amount, or another role, then each is refused naming its rule or field', async () => {
    const awardId = await paidAdvance();
    const tooMuch = await finance(3).post(`/awards/${awardId}/recovery-orders`, { amountCents: 600_001, dueOn: '2026-01-01', reason: 'Trop-perçu' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.headers['content-type']).toContain('application/problem+json');
    expect(tooMuch.body.errors.map((e: { name: string }) => e.name).sort()).toEqual(['due-not-past', 'recovery-within-paid']);

    const malformed = await finance(3).post(`/awards/${awardId}/recovery-orders`, { amountCents: 10.5, dueOn: '31/03/2099' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { name: string }) => e.name).sort()).toEqual(['amountCents', 'dueOn', 'reason']);

    const order = { amountCents: 100, dueOn: '2099-03-31', reason: 'Trop-perçu' };
    expect((await beneficiary().post(`/awards/${awardId}/recovery-orders`, order)).status).toBe(403);
    expect((await api().as('programme-manager').post(`/awards/${awardId}/recovery-orders`, order)).status).toBe(403);
    expect((await finance(3).post(`/awards/${randomUUID()}/recovery-orders`, order)).status).toBe(404);
  });
});
