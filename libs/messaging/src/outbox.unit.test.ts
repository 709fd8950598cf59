import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { ZodError } from 'zod';
import { DossierWithdrawn, ProbeLaunched, ProbeReachedEvaluation, type ProbePayload } from '@aap/contracts';
import { causedBy, newEvent, outboxForInsert, withEvents, type PendingEvent } from './outbox';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const probe = (label = 'unit test'): ProbePayload => ({
  probeId: randomUUID(),
  label,
  hops: [{ service: 'submission', at: '2025-01-02T03:04:05.000Z' }],
});

const launched = (label?: string) => newEvent('submission', ProbeLaunched, probe(label));

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('newEvent', () => {
  it('given valid data, when building an event, then the CloudEvents envelope is filled from the definition and the data', () => {
    const data = probe();
    const before = Date.now();

    const event = newEvent('submission', ProbeLaunched, data);

    const { envelope } = event;
    expect(envelope).toMatchObject({
      specversion: '1.0',
      type: 'probe.launched.v1',
      source: '/aap/submission',
      subject: data.probeId,
      datacontenttype: 'application/json',
      data,
    });
    expect(envelope.id).toMatch(UUID);
    expect(Date.parse(envelope.time)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(envelope.time)).toBeLessThanOrEqual(Date.now());
    expect(new Date(envelope.time).toISOString()).toBe(envelope.time);
  });

  it('given no metadata, when building an event, then it starts a new flow: correlation id = its own id, no causation', () => {
    const { envelope } = launched();

    expect(envelope.correlationid).toBe(envelope.id);
    expect(envelope).not.toHaveProperty('causationid');
  });

  it('given explicit metadata, when building an event, then correlation and causation are taken from it', () => {
    const { envelope } = newEvent('submission', ProbeLaunched, probe(), { correlationId: 'flow-1', causationId: 'request-9' });

    expect(envelope.correlationid).toBe('flow-1');
    expect(envelope.causationid).toBe('request-9');
  });

  it('given a consumed event, when building the next one with causedBy, then it keeps the flow and is caused by it', () => {
    const first = launched().envelope;
    const second = newEvent('evaluation', ProbeReachedEvaluation, probe(), causedBy(first)).envelope;
    const third = newEvent('evaluation', ProbeReachedEvaluation, probe(), causedBy(second)).envelope;

    expect(causedBy(first)).toEqual({ correlationId: first.id, causationId: first.id });
    expect(second.correlationid).toBe(first.id);
    expect(second.causationid).toBe(first.id);
    expect(third.correlationid).toBe(first.id);
    expect(third.causationid).toBe(second.id);
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
  });

  it('given data breaking the schema, when building an event, then it throws the validation error', () => {
    const invalid = { probeId: 'not-a-uuid', label: '', hops: [] } as unknown as ProbePayload;

    expect(() => newEvent('submission', ProbeLaunched, invalid)).toThrow(ZodError);
    try {
      newEvent('submission', ProbeLaunched, invalid);
    } catch (error) {
      expect((error as ZodError).issues.map((i) => i.path.join('.'))).toEqual(['probeId', 'label', 'hops']);
    }
  });

  it('given data with extra fields, when building an event, then the envelope carries the parsed data only', () => {
    const data = { ...probe(), secret: 'must not leak' } as ProbePayload;

    expect(newEvent('submission', ProbeLaunched, data).envelope.data).not.toHaveProperty('secret');
  });

  it('given an optional field left undefined, when building an event, then the data does not carry it (stored, it would become null)', () => {
    const reference = { dossierId: 'd1', number: 'AAP-2026-000001', callId: 'c1', waveId: 'w1', organisationId: '216901231' };
    const event = newEvent('submission', DossierWithdrawn, { ...reference, reason: undefined, withdrawnAt: '2026-03-02T10:15:00.000Z', requestedGrantCents: 100 });

    expect(Object.keys(event.envelope.data as object)).not.toContain('reason');
  });

  it('given a producer that does not own the event, when building it, then it is refused', () => {
    expect(() => newEvent('evaluation', ProbeLaunched, probe())).toThrow(
      'evaluation cannot publish probe.launched.v1: it belongs to submission',
    );
  });

  it('given no active trace in a unit test, when building an event, then the captured trace carrier is empty', () => {
    expect(launched().trace).toEqual({});
  });
});

describe('newEvent seq', () => {
  it('given many events built in a tight loop, when comparing seq, then it is strictly increasing', () => {
    const seqs = Array.from({ length: 5_000 }, () => launched().seq);

    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
  });

  it('given the wall clock, when building an event, then seq is close to wall-clock microseconds', () => {
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 60_000);

    expect(launched().seq).toBe((now + 60_000) * 1000);
  });

  it('property: whatever the clock does (even going backwards), seq stays strictly increasing', () => {
    const base = Date.now() + 120_000;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -86_400_000, max: 86_400_000 }), { minLength: 2, maxLength: 50 }), (offsets) => {
        const clock = vi.spyOn(Date, 'now');
        try {
          const seqs = offsets.map((offset) => {
            clock.mockReturnValue(base + offset);
            return launched().seq;
          });
          return seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!) && seqs.every(Number.isSafeInteger);
        } finally {
          clock.mockRestore();
        }
      }),
    );
  });
});

describe('outboxForInsert', () => {
  it('given events, when preparing a new document, then the outbox maps each event id to its event and the pending flag is raised', () => {
    const events = [launched('a'), launched('b'), launched('c')];

    const fields = outboxForInsert(events);

    expect(fields.outboxPending).toBe(true);
    expect(fields.outboxWrites).toBe(1);
    expect(Object.keys(fields.outbox)).toEqual(events.map((e) => e.envelope.id));
    for (const event of events) expect(fields.outbox[event.envelope.id]).toBe(event);
  });

  it('given no event, when preparing a new document, then the outbox is empty with nothing pending', () => {
    expect(outboxForInsert([])).toEqual({ outbox: {}, outboxPending: false, outboxWrites: 0 });
  });
});

describe('withEvents', () => {
  it('given an update with $set and $inc, when adding events, then they merge with existing keys kept, the flag is raised and the write counted', () => {
    const events = [launched('a'), launched('b')];
    const update = { $set: { status: 'submitted' }, $inc: { version: 1 }, $push: { history: 'x' } };

    const merged = withEvents(update, events);

    expect(merged).toEqual({
      $set: {
        status: 'submitted',
        [`outbox.${events[0]!.envelope.id}`]: events[0],
        [`outbox.${events[1]!.envelope.id}`]: events[1],
        outboxPending: true,
      },
      $inc: { version: 1, outboxWrites: 1 },
      $push: { history: 'x' },
    });
  });

  it('given an update without $set, when adding one event, then $set is created with the entry and the flag, and the write counted', () => {
    const event = launched();

    expect(withEvents({}, [event])).toEqual({ $set: { [`outbox.${event.envelope.id}`]: event, outboxPending: true }, $inc: { outboxWrites: 1 } });
  });

  it('given no event, when adding them, then the update is unchanged (the flag is not raised for nothing)', () => {
    const update = { $set: { status: 'draft' } };

    expect(withEvents(update, [])).toEqual({ $set: { status: 'draft' } });
  });

  it('given an update that already carries events, when adding more, then every entry is kept and the flag stays raised', () => {
    const once = withEvents({}, [launched()]);
    const twice = withEvents(once, [launched(), launched()]);

    expect((twice.$set as Record<string, unknown>).outboxPending).toBe(true);
    expect(Object.keys(twice.$set as object).filter((key) => key.startsWith('outbox.'))).toHaveLength(3);
  });

  it('given an update, when adding events, then the original update is not mutated', () => {
    const update = { $set: { status: 'draft' }, $inc: { version: 1 } };
    const snapshot = structuredClone(update);

    withEvents(update, [launched()]);

    expect(update).toEqual(snapshot);
  });

  it('property: existing $set and $inc keys are preserved, one outbox key is added per event, the flag is raised and the write counted iff there are events', () => {
    const pool: PendingEvent[] = Array.from({ length: 8 }, () => launched());
    const fieldName = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !k.startsWith('outbox') && k !== '__proto__');
    fc.assert(
      fc.property(
        fc.dictionary(fieldName, fc.oneof(fc.string(), fc.integer(), fc.boolean())),
        fc.dictionary(fieldName, fc.integer()),
        fc.subarray(pool),
        (existingSet, existingInc, events) => {
          const merged = withEvents({ $set: existingSet, $inc: existingInc }, events);
          const set = merged.$set as Record<string, unknown>;

          for (const [key, value] of Object.entries(existingSet)) expect(set[key]).toBe(value);
          expect(merged.$inc).toEqual(events.length > 0 ? { ...existingInc, outboxWrites: 1 } : existingInc);
          for (const event of events) expect(set[`outbox.${event.envelope.id}`]).toBe(event);
          expect(Object.keys(set)).toHaveLength(Object.keys(existingSet).length + events.length + (events.length > 0 ? 1 : 0));
          expect(set.outboxPending).toBe(events.length > 0 ? true : undefined);
        },
      ),
    );
  });
});
