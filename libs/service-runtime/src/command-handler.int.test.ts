import { Schema } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { accepted, DossierDraftClosingSoon, emit, eventTopicName, refused, type Decision } from '@aap/contracts';
import type { OutboxFields } from '@aap/messaging';
import { eventually, readTopic, useTestEnvironment } from '@aap/test-harness';
import { documentStore, type CommandHandler, type ServiceContext } from './index';

const env = useTestEnvironment();

/** A tally: the smallest aggregate whose every accepted command must be applied exactly once. */
interface Tally {
  tallyId: string;
  count: number;
  by: string[];
  note?: string;
  version: number;
}
interface TallyDocument extends OutboxFields {
  _id: string;
  count: number;
  by: string[];
  note?: string;
  version: number;
}

let context: ServiceContext;
let tallies: CommandHandler<Tally>;

beforeAll(async () => {
  await env.startService({
    name: 'submission',
    description: 'command handler test',
    register: (registered) => {
      context = registered;
      const Tally = context.aggregate<TallyDocument>(
        'HandlerTally',
        new Schema<TallyDocument>({ _id: String, count: Number, by: [String], note: String, version: Number }),
        { collection: 'handler_tallies' },
      );
      tallies = context.commands(
        documentStore<Tally, TallyDocument>(Tally, {
          name: 'tally',
          toState: ({ _id, ...fields }) => ({ ...fields, tallyId: _id }),
          toFields: ({ tallyId: _id, ...fields }) => fields,
          optional: ['note'],
        }),
      );
    },
  });
});

/** A pure decide: count one more (creating the tally when there is none), refuse past `max`. */
const countOne = (by: string, max = Infinity) => (tally: Tally | null): Decision<Tally> => {
  const current = tally ?? { tallyId: 't', count: 0, by: [], version: 0 };
  if (current.count >= max) return refused([{ name: 'tally-full', detail: `at most ${max}` }]);
  return accepted({ ...current, count: current.count + 1, by: [...current.by, by] });
};

const stored = (id: string) => env.database('submission').collection<TallyDocument>('handler_tallies').findOne({ _id: id });

describe('the command handler (load → decide → record with the expected version)', () => {
  it('given 20 concurrent commands on one aggregate, when each is decided on what it read, then every one is applied exactly once (lost races decided again)', async () => {
    await tallies.handle('t-concurrent', countOne('first'));
    const voters = Array.from({ length: 20 }, (_, i) => `voter-${i}`);
    const results = await Promise.all(voters.map((voter) => tallies.handle('t-concurrent', countOne(voter))));

    expect(results.every((r) => r.written)).toBe(true);
    const tally = await stored('t-concurrent');
    // A read-modify-write without the version guard loses increments here; a retry without re-deciding doubles them.
    expect(tally).toMatchObject({ count: 21, version: 21 }); // created at 1, then 20 writes
    expect([...tally!.by].sort()).toEqual(['first', ...voters].sort());
  });

  it('given concurrent commands creating the same aggregate, then one creates it and the others are decided on what it stored', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => tallies.handle('t-created', countOne(`creator-${i}`))));
    expect(results.filter((r) => r.before === null && r.written)).toHaveLength(1);
    expect(await stored('t-created')).toMatchObject({ count: 8, version: 8 });
  });

  it('given a refusal, then nothing is written; given a decision that changes nothing, then the version stays', async () => {
    await tallies.handle('t-full', countOne('a', 1));
    const refusal = await tallies.handle('t-full', countOne('b', 1));
    expect(refusal).toMatchObject({ written: false, decision: { outcome: 'refused' } });
    const unchanged = await tallies.handle('t-full', (tally) => accepted(tally!));
    expect(unchanged.written).toBe(false);
    expect(await stored('t-full')).toMatchObject({ count: 1, by: ['a'], version: 1 });
  });

  it('given an aggregate that must exist, when it does not, then nothing is decided and null is answered', async () => {
    let decided = false;
    const missing = await tallies.handleExisting('t-missing', (tally) => {
      decided = true;
      return accepted(tally);
    });
    expect(missing).toBeNull();
    expect(decided).toBe(false);
    expect(await stored('t-missing')).toBeNull();
  });

  it('given a decision with events, then the state and its events are one write (the outbox holds them), and a field the state drops is unset', async () => {
    const event = emit(DossierDraftClosingSoon, { dossierId: 'd-1', number: null, callId: 'c', waveId: 'w', organisationId: '216901231', title: 'Projet', closesAt: '2026-03-31T23:59:59+02:00', daysLeft: 2 });
    await tallies.handle('t-events', (tally) => accepted({ ...(tally ?? { tallyId: 't-events', count: 0, by: [], version: 0 }), note: 'kept' }, event));
    const handled = await tallies.handle('t-events', (tally) => accepted({ ...tally!, note: undefined, count: 1 }, event));
    expect(handled.after).toMatchObject({ count: 1, version: 2 });
    const doc = await stored('t-events');
    expect(doc).not.toHaveProperty('note');
    expect(doc!.version).toBe(2);
    // Each accepted decision's event was recorded with its state and published by the relay.
    await eventually(async () => {
      const messages = await readTopic(env.kafka(), eventTopicName(env.prefix, DossierDraftClosingSoon.topic), { atLeast: 2, settleMs: 0 });
      expect(messages.filter((m) => m.key === 'd-1')).toHaveLength(2);
    });
  });
});
