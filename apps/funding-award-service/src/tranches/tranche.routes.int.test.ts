import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventTopicName, TrancheReleased } from '@aap/contracts';
import { eventually, useTestEnvironment, type Requester } from '@aap/test-harness';
import { IBAN, awardActors, bankDetails, ok, refusedBy, settledAward, useFundingAward, wholeTopic } from '../int-fixtures';

/**
 * The payment schedule over HTTP, on the real broker and database: the beneficiary asks, one finance
 * officer validates, another releases, the payment is recorded; every refusal is a problem+json naming
 * its rule. The award of `acceptance()`: 20 000 € granted on 40 000 € of eligible cost (rate 1/2),
 * advance ≤ 6 000 €, advance + interim ≤ 16 000 €.
 */

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env);
const { beneficiary, finance, grantedAward, readyAward: ready, pay } = awardActors(env, api, publisher);
const otherOrganisation = () => api().as('applicant', { org: '216902668', sub: 'applicant-9' });

const OTHER_IBAN = 'FR14 2004 1010 0505 0001 3M02 606';
const line = (supplier: string, amountCents: number) => ({ supplier, date: '2026-11-30', amountCents, category: 'equipment' });
const newAward = () => grantedAward();
const readyAward = async () => (await ready()).awardId;

const lastTrancheId = (award: { tranches: Array<{ trancheId: string }> }) => award.tranches.at(-1)!.trancheId;

/** Validated by finance-1, released by finance-2, paid: the award as it stands after. */
const payThrough = (awardId: string, trancheId: string, retainedExpensesCents?: number) => pay(awardId, trancheId, { retainedExpensesCents });

/** The ids in a finance queue (a page of 100 is every row these tests make). */
async function queued(as: Requester, path: string, status: string, key: 'trancheId' | 'awardId'): Promise<string[]> {
  const answer = ok(await as.get(path, { query: { status, pageSize: 100 } }));
  return answer.items.map((item: Record<string, string>) => item[key]);
}

describe('a worked schedule', () => {
  it('given an advance of 30 %, two interim payments and a balance on lower actual expenses, then each is paid and the balance is smaller, the rest released', async () => {
    const awardId = await readyAward();

    let award = ok(await beneficiary().post(`/awards/${awardId}/tranches/advance`, {}));
    const advance = lastTrancheId(award);
    expect(award.tranches).toEqual([expect.objectContaining({ kind: 'advance', status: 'requested', amountCents: 600_000 })]);
    await eventually(async () => expect(await queued(finance(3), '/finance/tranches', 'requested', 'trancheId')).toContain(advance));
    award = await payThrough(awardId, advance);
    refusedBy(await finance(2).post(`/awards/${awardId}/tranches/${advance}/payment`, { paymentReference: 'CHORUS-OTHER', paidOn: '2026-12-06' }), 'paid-once');
    await eventually(async () => {
      expect(await queued(finance(3), '/finance/tranches', 'requested', 'trancheId')).not.toContain(advance);
      expect(await queued(finance(3), '/finance/tranches', 'validated', 'trancheId')).not.toContain(advance);
    });

    // 16 000 € of expenses justify 8 000 € at the rate: 6 000 € advance + 2 000 € interim; 4 000 € more, 2 000 € more.
    award = ok(await beneficiary().post(`/awards/${awardId}/tranches/interim`, { amountCents: 200_000, expenses: [line('Fournisseur A', 1_200_000), line('Fournisseur B', 400_000)] }));
    award = await payThrough(awardId, lastTrancheId(award));
    refusedBy(await beneficiary().post(`/awards/${awardId}/tranches/interim`, { amountCents: 200_001, expenses: [line('Fournisseur C', 400_000)] }), 'interim-within-expenses');
    award = ok(await beneficiary().post(`/awards/${awardId}/tranches/interim`, { amountCents: 200_000, expenses: [line('Fournisseur C', 400_000)] }));
    award = await payThrough(awardId, lastTrancheId(award));
    expect(award.paidCents).toBe(1_000_000);
    expect(award.tranches.map((t: { kind: string; status: string }) => `${t.kind}:${t.status}`)).toEqual(['advance:paid', 'interim:paid', 'interim:paid']);

    // 30 000 € of actual expenses (not 40 000 €): due 15 000 €, so a balance of 5 000 € instead of 10 000 €.
    award = ok(await beneficiary().post(`/awards/${awardId}/tranches/balance`, { actualEligibleExpensesCents: 3_000_000 }));
    expect(award.tranches.at(-1)).toMatchObject({ kind: 'balance', amountCents: 500_000, expensesCents: 3_000_000 });
    award = await payThrough(awardId, lastTrancheId(award));
    expect(award).toMatchObject({ status: 'completed', paidCents: 1_500_000, releasedCents: 500_000, outstandingCents: 0 });
  });
});

describe('a worked schedule that ends in a recovery order', () => {
  it('given 10 000 € paid (advance and an interim payment), when the actual expenses justify only 8 000 €, then the balance pays nothing, orders 2 000 € back and completes the award', async () => {
    const awardId = await readyAward();
    let award = await payThrough(awardId, lastTrancheId(ok(await beneficiary().post(`/awards/${awardId}/tranches/advance`, {}))));
    award = await payThrough(awardId, lastTrancheId(ok(await beneficiary().post(`/awards/${awardId}/tranches/interim`, { amountCents: 400_000, expenses: [line('Fournisseur A', 2_000_000)] }))));
    expect(award.paidCents).toBe(1_000_000);

    // 20 000 € declared, 16 000 € retained by finance: due 8 000 €, 10 000 € paid → 2 000 € ordered back.
    award = ok(await beneficiary().post(`/awards/${awardId}/tranches/balance`, { actualEligibleExpensesCents: 2_000_000 }));
    const balance = lastTrancheId(award);
    refusedBy(await finance(1).post(`/awards/${awardId}/tranches/${balance}/validate`, { retainedExpensesCents: 2_000_001 }), 'retained-within-declared');
    award = ok(await finance(1).post(`/awards/${awardId}/tranches/${balance}/validate`, { retainedExpensesCents: 1_600_000 }));
    expect(award).toMatchObject({ status: 'completed', paidCents: 1_000_000, recoveredCents: 200_000, releasedCents: 1_000_000, outstandingCents: 0 });
    expect(award.recoveries).toEqual([expect.objectContaining({ amountCents: 200_000, dueOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) })]);
    expect(award.tranches.at(-1)).toMatchObject({ kind: 'balance', status: 'settled', amountCents: 0, retainedExpensesCents: 1_600_000 });
    expect((await finance(2).post(`/awards/${awardId}/tranches/${balance}/release`)).status).toBe(409);
  });
});

describe('every cap is refused with a problem naming its rule', () => {
  it('given a ready award, when more than 30 % in advance, then advance-cap; past 80 % cumulated, then interim-cap; beyond the expenses, then interim-within-expenses', async () => {
    const awardId = await readyAward();
    refusedBy(await beneficiary().post(`/awards/${awardId}/tranches/advance`, { amountCents: 600_001 }), 'advance-cap');
    ok(await beneficiary().post(`/awards/${awardId}/tranches/advance`, { amountCents: 600_000 }));
    refusedBy(await beneficiary().post(`/awards/${awardId}/tranches/interim`, { amountCents: 1_000_001, expenses: [line('Fournisseur A', 4_000_000)] }), 'interim-cap');
    refusedBy(await beneficiary().post(`/awards/${awardId}/tranches/interim`, { amountCents: 400_001, expenses: [line('Fournisseur A', 2_000_000)] }), 'interim-within-expenses');
  });

  it('given an expense line without its supplier and an amount in euros, then 400 naming each field', async () => {
    const awardId = await readyAward();
    const answer = await beneficiary().post(`/awards/${awardId}/tranches/interim`, { amountCents: 10.5, expenses: [{ date: '2026-11-30', amountCents: 1_000, category: 'equipment' }] });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(answer.body.errors)).toContain('amountCents');
    expect(JSON.stringify(answer.body.errors)).toContain('supplier');
  });
});

describe('who may do what', () => {
  let awardId: string;
  let trancheId: string;

  beforeAll(async () => {
    awardId = await readyAward();
    trancheId = lastTrancheId(ok(await beneficiary().post(`/awards/${awardId}/tranches/advance`, {})));
  });

  it('given the officer who validated a tranche, when the same officer releases it, then four-eyes refuses it; another officer releases it', async () => {
    ok(await finance(1).post(`/awards/${awardId}/tranches/${trancheId}/validate`, {}));
    await eventually(async () => expect(await queued(finance(3), '/finance/tranches', 'validated', 'trancheId')).toContain(trancheId));
    refusedBy(await finance(1).post(`/awards/${awardId}/tranches/${trancheId}/release`), 'four-eyes');
    expect(ok(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/release`)).tranches[0]).toMatchObject({ status: 'released' });
  });

  it('given the beneficiary, when it validates, refuses, releases or records a payment, or reads the finance queues, then 403', async () => {
    for (const [path, body] of [
      [`/awards/${awardId}/tranches/${trancheId}/validate`, {}],
      [`/awards/${awardId}/tranches/${trancheId}/refuse`, { reason: 'Moi-même' }],
      [`/awards/${awardId}/tranches/${trancheId}/release`, undefined],
      [`/awards/${awardId}/tranches/${trancheId}/payment`, { paymentReference: 'X', paidOn: '2026-12-05' }],
      [`/awards/${awardId}/bank-details/${awardId}-B1/validate`, undefined],
    ] as const) {
      expect((await beneficiary().post(path, body)).status, path).toBe(403);
    }
    expect((await beneficiary().get('/finance/tranches', { query: { status: 'requested' } })).status).toBe(403);
    expect((await beneficiary().get('/finance/bank-details', { query: { status: 'pending' } })).status).toBe(403);
  });

  it('given a finance officer, when it acts for the beneficiary, then 403', async () => {
    expect((await finance(1).post(`/awards/${awardId}/bank-details`, bankDetails(OTHER_IBAN))).status).toBe(403);
    expect((await finance(1).post(`/awards/${awardId}/tranches/interim`, { amountCents: 1, expenses: [line('A', 2)] })).status).toBe(403);
  });

  it('given another organisation, when it acts on the award, then the same 404 as an award that does not exist', async () => {
    const theirs = await otherOrganisation().post(`/awards/${awardId}/bank-details`, bankDetails(OTHER_IBAN));
    const missing = await beneficiary().post(`/awards/${randomUUID()}/bank-details`, bankDetails(OTHER_IBAN));
    for (const answer of [theirs, missing, await otherOrganisation().post(`/awards/${awardId}/tranches/balance`, { actualEligibleExpensesCents: 0 })]) {
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toContain('application/problem+json');
    }
    expect(ok(await finance(1).get(`/awards/${awardId}`)).pendingBankDetails).toBeUndefined();
  });
});

describe('refusals', () => {
  it('given a requested tranche and a change of bank details, when finance refuses each with a reason, then both leave their queue and the validated IBAN stays', async () => {
    const awardId = await readyAward();
    const trancheId = lastTrancheId(ok(await beneficiary().post(`/awards/${awardId}/tranches/advance`, {})));
    const changeId = ok(await beneficiary().post(`/awards/${awardId}/bank-details`, bankDetails(OTHER_IBAN))).pendingBankDetails.bankDetailsId;
    await eventually(async () => {
      expect(await queued(finance(3), '/finance/tranches', 'requested', 'trancheId')).toContain(trancheId);
      expect(await queued(finance(3), '/finance/bank-details', 'pending', 'awardId')).toContain(awardId);
    });

    const blank = await finance(1).post(`/awards/${awardId}/tranches/${trancheId}/refuse`, { reason: '  ' });
    expect(blank.status).toBe(400);
    expect(JSON.stringify(blank.body.errors)).toContain('reason');
    expect(ok(await finance(1).post(`/awards/${awardId}/tranches/${trancheId}/refuse`, { reason: 'Début d’exécution non justifié' })).tranches[0]).toMatchObject({ status: 'refused', refusalReason: 'Début d’exécution non justifié' });
    const award = ok(await finance(1).post(`/awards/${awardId}/bank-details/${changeId}/refuse`, { reason: 'RIB illisible' }));
    expect(award.pendingBankDetails).toBeUndefined();
    expect(award.bankDetails).toMatchObject({ iban: 'FR76 **** 0189' });

    await eventually(async () => {
      expect(await queued(finance(3), '/finance/tranches', 'requested', 'trancheId')).not.toContain(trancheId);
      expect(await queued(finance(3), '/finance/bank-details', 'pending', 'awardId')).not.toContain(awardId);
    });
  });
});

describe('one release, to validated bank details only', () => {
  it('given a validated advance, when 20 finance officers release it at once, then it is released once', async () => {
    const awardId = await readyAward();
    const trancheId = lastTrancheId(ok(await beneficiary().post(`/awards/${awardId}/tranches/advance`, {})));
    ok(await finance(1).post(`/awards/${awardId}/tranches/${trancheId}/validate`, {}));

    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => finance(i + 2).post(`/awards/${awardId}/tranches/${trancheId}/release`)));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const award = ok(await finance(1).get(`/awards/${awardId}`));
    expect(award.tranches).toEqual([expect.objectContaining({ trancheId, status: 'released' })]);

    await settledAward(env, awardId);
    const released = (await wholeTopic(env, eventTopicName(env.prefix, TrancheReleased.topic))).filter((m) => m.key === awardId && m.headers.ce_type === TrancheReleased.type);
    expect(released).toHaveLength(1);
  });

  it('given a changed IBAN not yet validated, when a validated tranche is released, then bank-details-pending refuses it until finance validates the change', async () => {
    const awardId = await readyAward();
    const trancheId = lastTrancheId(ok(await beneficiary().post(`/awards/${awardId}/tranches/advance`, {})));
    ok(await finance(1).post(`/awards/${awardId}/tranches/${trancheId}/validate`, {}));

    const changed = ok(await beneficiary().post(`/awards/${awardId}/bank-details`, bankDetails(OTHER_IBAN)));
    const changeId = changed.pendingBankDetails.bankDetailsId;
    expect(changed.pendingBankDetails).toMatchObject({ iban: 'FR14 **** 2606', holder: 'Commune de Lyon' });
    refusedBy(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/release`), 'bank-details-pending');

    await eventually(async () => {
      const page = ok(await finance(3).get('/finance/bank-details', { query: { status: 'pending', pageSize: 100 } }));
      expect(page.items).toContainEqual(expect.objectContaining({ awardId, status: 'pending', currentIban: 'FR76 **** 0189', pending: expect.objectContaining({ bankDetailsId: changeId, iban: 'FR14 **** 2606' }) }));
    });

    ok(await finance(3).post(`/awards/${awardId}/bank-details/${changeId}/validate`));
    const released = ok(await finance(2).post(`/awards/${awardId}/tranches/${trancheId}/release`));
    expect(released.tranches[0]).toMatchObject({ status: 'released' });
    expect(released.bankDetails).toMatchObject({ bankDetailsId: changeId, iban: 'FR14 **** 2606' });
    await eventually(async () => expect(await queued(finance(3), '/finance/bank-details', 'pending', 'awardId')).not.toContain(awardId));
  });
});
