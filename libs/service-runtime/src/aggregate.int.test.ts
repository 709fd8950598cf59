import { Schema } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DossierDraftClosingSoon, eventTopicName, type EventDefinition } from '@aap/contracts';
import { readTopic, useTestEnvironment, waitFor } from '@aap/test-harness';
import { documentStore, insertOnce, isDuplicateKey, record, type ServiceContext } from './index';

const env = useTestEnvironment();

interface ReminderDocument {
  _id: string;
  version: number;
  label: string;
}

let context: ServiceContext;

beforeAll(async () => {
  await env.startService({
    name: 'submission',
    description: 'aggregate kit test',
    register: (registered) => {
      context = registered;
    },
  });
});

const reminder = (dossierId: string) =>
  context.event(DossierDraftClosingSoon, { dossierId, number: null, callId: 'c', waveId: 'w', organisationId: '216901231', title: 'Projet', closesAt: '2026-03-31T23:59:59+02:00', daysLeft: 2 });

describe('the aggregate kit', () => {
  it('given an aggregate declared with one call, when a change is recorded with an event, then the event is published (no separate tracking)', async () => {
    const Reminder = context.aggregate<ReminderDocument>('KitReminder', new Schema<ReminderDocument>({ _id: String, version: Number, label: String }), { collection: 'kit_reminders' });
    expect(await insertOnce(Reminder, { _id: 'r-1', version: 1, label: 'draft' })).toBe('inserted');
    expect(await insertOnce(Reminder, { _id: 'r-1', version: 1, label: 'again' })).toBe('exists');

    expect(await record(Reminder, { id: 'r-1', version: 1 }, { $set: { label: 'sent' } }, [reminder('r-1')])).toBe(true);
    // Decided on a version that is gone: the race is lost, nothing written.
    expect(await record(Reminder, { id: 'r-1', version: 1 }, { $set: { label: 'lost' } }, [reminder('r-1')])).toBe(false);

    const stored = await env.database('submission').collection('kit_reminders').findOne({ _id: 'r-1' as never });
    expect(stored).toMatchObject({ label: 'sent', version: 2 });
    // Once its outbox is empty, whatever the relay publishes for it is on the topic.
    await waitFor(() => env.database('submission').collection('kit_reminders').findOne({ _id: 'r-1' as never, outboxPending: false }), { what: "the reminder's event relayed" });
    const published = (await readTopic(env.kafka(), eventTopicName(env.prefix, DossierDraftClosingSoon.topic), { atLeast: 1 })).filter((m) => m.key === 'r-1');
    expect(published).toHaveLength(1);
    expect(published[0]!.headers.ce_source).toBe('/aap/submission');
  });

  it('given a model declared with context.model, when 30 commands change one document at once, then none is lost (its lock comes with the declaration)', async () => {
    interface Counter { id: string; version: number; count: number }
    const Counters = context.model<{ _id: string; version: number; count: number }>('KitCounter', new Schema({ _id: String, version: Number, count: Number }), { collection: 'kit_counters' });
    const counters = context.commands(
      documentStore<Counter, { _id: string; version: number; count: number }>(Counters, { name: 'counter', toState: ({ _id, ...fields }) => ({ id: _id, ...fields }), toFields: ({ id: _id, ...fields }) => fields }),
    );
    const increment = (counter: Counter | null) => ({ outcome: 'accepted' as const, state: { id: 'c-1', version: counter?.version ?? 0, count: (counter?.count ?? 0) + 1 }, events: [] });
    await Promise.all(Array.from({ length: 30 }, () => counters.handle('c-1', increment)));
    expect(await env.database('submission').collection('kit_counters').findOne({ _id: 'c-1' as never })).toMatchObject({ count: 30, version: 30 });
  });

  it('given an event of another service, when built from this context, then it is refused (the producer comes from the context)', () => {
    expect(() => context.event({ ...DossierDraftClosingSoon, producer: 'evaluation' } as unknown as EventDefinition, {})).toThrow(/cannot publish/);
  });

  it('recognises a duplicate key from MongoDB and from FerretDB', () => {
    expect(isDuplicateKey({ code: 11000 })).toBe(true);
    expect(isDuplicateKey(new Error('constraint failed: UNIQUE constraint failed: index x (2067)'))).toBe(true);
    expect(isDuplicateKey(new Error('timeout'))).toBe(false);
  });
});
