import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwardGranted, eventTopicName, TranchePaid, type EventDefinition } from '@aap/contracts';
import { fromKafkaMessage } from '@aap/messaging';
import { eventually, useTestEnvironment } from '@aap/test-harness';
import { callOf, financeActors, ok } from '../finance-views.fixtures';
import { settledAward, useFundingAward, wholeTopic } from '../int-fixtures';
import { LEDGER_COLLECTIONS } from './ledger.projection';

/**
 * The call's ledger and each award's schedule and history, on the real broker and FerretDB, kept
 * from the service's own events: two awards on a call with a 100 000 € envelope — one with its
 * advance paid, one completed on lower actual expenses (advance + balance paid, the rest released) —
 * then the same events delivered again, as Kafka does after a crash (same id) and as a republished
 * copy (new id, which the consumer's own dedup does not catch): the totals do not move.
 */

const env = useTestEnvironment();
const { api, publisher } = useFundingAward(env);
const { beneficiary, finance, readyAward, pay, publishCall } = financeActors(env, api, publisher);
const db = () => env.database('funding-award');

const CALL_ID = `call-ledger-${randomUUID()}`;
const ENVELOPE = 10_000_000;
const lastTranche = (award: { tranches: Array<{ trancheId: string }> }) => award.tranches.at(-1)!.trancheId;

const ledger = async () => ok(await finance(3).get(`/calls/${CALL_ID}/ledger`));
const stored = async () => ({
  summary: await db().collection(LEDGER_COLLECTIONS.summaries).findOne({ _id: CALL_ID as never }),
  buckets: await db().collection(LEDGER_COLLECTIONS.buckets).find({ callId: CALL_ID }).toArray(),
});

let advanced: string;
let completed: string;

beforeAll(async () => {
  const call = callOf(CALL_ID, ENVELOPE);
  await publishCall(call);
  advanced = (await readyAward({ call })).awardId;
  await pay(advanced, lastTranche(ok(await beneficiary().post(`/awards/${advanced}/tranches/advance`, {}))));
  completed = (await readyAward({ call })).awardId;
  await pay(completed, lastTranche(ok(await beneficiary().post(`/awards/${completed}/tranches/advance`, {}))));
  // Actual eligible expenses 30 000 € at rate 1/2: 15 000 € due, 6 000 € paid, 9 000 € balance; 5 000 € released.
  await pay(completed, lastTranche(ok(await beneficiary().post(`/awards/${completed}/tranches/balance`, { actualEligibleExpensesCents: 3_000_000 }))));
});

describe('the call’s ledger', () => {
  it('balances to the cent against the awards as stored and their payments', async () => {
    const expected = {
      callId: CALL_ID,
      envelopeCents: ENVELOPE,
      awards: 2,
      payments: 3,
      committedCents: 4_000_000,
      paidCents: 600_000 + 600_000 + 900_000,
      recoveredCents: 0,
      releasedCents: 500_000,
      outstandingCents: 4_000_000 - 2_100_000 - 500_000,
      remainingEnvelopeCents: ENVELOPE - 4_000_000 + 500_000,
    };
    await eventually(async () => expect(await ledger()).toEqual(expected));

    const awards = await Promise.all([advanced, completed].map(async (id) => ok(await finance(1).get(`/awards/${id}`))));
    const sum = (field: string) => awards.reduce((total, award) => total + award[field], 0);
    const payments = awards.flatMap((award) => award.tranches.filter((t: { status: string }) => t.status === 'paid'));
    expect({ committed: sum('grantCents'), paid: sum('paidCents'), released: sum('releasedCents'), recovered: sum('recoveredCents'), outstanding: sum('outstandingCents') }).toEqual({
      committed: expected.committedCents,
      paid: expected.paidCents,
      released: expected.releasedCents,
      recovered: expected.recoveredCents,
      outstanding: expected.outstandingCents,
    });
    expect(payments.reduce((total: number, t: { amountCents: number }) => total + t.amountCents, 0)).toBe(expected.paidCents);
    expect(payments).toHaveLength(expected.payments);
  });

  it('counts nothing twice: the same events delivered again (same id) and republished (new id) leave totals and documents as they were', async () => {
    await Promise.all([advanced, completed].map((id) => settledAward(env, id)));
    const before = { ledger: await ledger(), documents: await stored() };
    // The completed award's (the other one's history is read below, without copies).
    const messages = (await wholeTopic(env, eventTopicName(env.prefix, TranchePaid.topic))).filter((m) => m.key === completed);
    const again = messages.filter((m) => m.headers.ce_type === TranchePaid.type || m.headers.ce_type === AwardGranted.type);
    expect(again).toHaveLength(3);

    const ids: string[] = [];
    for (const message of again) {
      const envelope = fromKafkaMessage({ headers: message.headers, value: Buffer.from(message.value!) });
      const definition: EventDefinition = envelope.type === TranchePaid.type ? TranchePaid : AwardGranted;
      await publisher().redeliver(envelope, definition);
      ids.push((await publisher().publish(definition as typeof TranchePaid, envelope.data as never)).id);
    }
    // Both copies are on the topic; each republished copy follows its redelivered twin on the award's
    // partition, so once every copy is handled the consumer is past the twins too.
    const after = (await wholeTopic(env, eventTopicName(env.prefix, TranchePaid.topic))).filter((m) => again.some((a) => a.headers.ce_id === m.headers.ce_id));
    expect(after).toHaveLength(2 * again.length);
    await eventually(async () => {
      for (const id of ids) expect(await db().collection('processed_events').findOne({ _id: id as never }), id).not.toBeNull();
    });
    expect(await ledger()).toEqual(before.ledger);
    expect(await stored()).toEqual(before.documents);
  });

  it('answers 404 for a call it knows nothing of, and refuses the beneficiary', async () => {
    expect((await finance(1).get(`/calls/${randomUUID()}/ledger`)).status).toBe(404);
    expect((await beneficiary().get(`/calls/${CALL_ID}/ledger`)).status).toBe(403);
    expect((await api().as('programme-manager').get(`/calls/${CALL_ID}/ledger`)).status).toBe(200);
  });
});

describe('an award’s schedule and history', () => {
  it('shows the schedule and every event in order, who did what and when, the IBAN masked, to its beneficiary and finance', async () => {
    const expectedTypes = [
      'award.granted',
      'award.execution-started',
      'award.bank-details-submitted',
      'award.bank-details-validated',
      'award.legal-commitment-recorded',
      'tranche.requested',
      'tranche.validated',
      'tranche.released',
      'tranche.paid',
    ];
    const answer = await eventually(async () => {
      const body = ok(await beneficiary().get(`/awards/${advanced}/history`));
      expect(body.history.map((e: { type: string }) => e.type)).toEqual(expectedTypes);
      return body;
    });
    expect(answer.schedule).toMatchObject({
      grantCents: 2_000_000,
      advance: { capCents: 600_000, askedCents: 600_000, paidCents: 600_000 },
      interim: { capWithAdvanceCents: 1_600_000, askedCents: 0, paidCents: 0 },
      deadlines: { startedOn: '2026-12-01' },
      tranches: [expect.objectContaining({ kind: 'advance', status: 'paid', amountCents: 600_000, paidOn: '2026-12-05' })],
    });
    const byType = Object.fromEntries(answer.history.map((e: { type: string }) => [e.type, e]));
    expect(byType['tranche.released']).toMatchObject({ by: 'finance-2', details: { amountCents: 600_000, iban: 'FR76 **** 0189' } });
    expect(byType['tranche.validated']).toMatchObject({ by: 'finance-1' });
    expect(byType['award.legal-commitment-recorded']).toMatchObject({ by: 'finance-1', details: { legalCommitmentNumber: '2103456789' } });
    expect(byType['award.bank-details-submitted']).toMatchObject({ by: 'applicant-1', details: { iban: 'FR76 **** 0189' } });
    expect(JSON.stringify(answer)).not.toContain('30006000011234567890189');
    const ats = answer.history.map((e: { at: string }) => e.at);
    expect([...ats].sort()).toEqual(ats);

    expect(ok(await finance(4).get(`/awards/${advanced}/history`)).history).toEqual(answer.history);
    expect((await api().as('applicant', { org: '216902668' }).get(`/awards/${advanced}/history`)).status).toBe(404);
  });
});
