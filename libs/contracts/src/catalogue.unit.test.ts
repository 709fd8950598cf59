import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEvent, EventCatalogue } from './catalogue';

const thing = z.object({ thingId: z.string(), size: z.number().int() });

function thingEvent(overrides: Partial<Parameters<typeof defineEvent<typeof thing>>[0]> = {}) {
  return defineEvent({
    name: 'thing.created',
    version: 1,
    producer: 'submission',
    aggregate: 'thing',
    schema: thing,
    aggregateId: (data) => data.thingId,
    description: 'A thing was created.',
    ...overrides,
  });
}

describe('defineEvent', () => {
  it('given a name and a version, when defining, then the wire type is <name>.v<version>', () => {
    expect(thingEvent().type).toBe('thing.created.v1');
    expect(thingEvent({ version: 12 }).type).toBe('thing.created.v12');
  });

  it('given a spec, when defining, then the logical topic is (producer, aggregate) and the rest is kept', () => {
    const event = thingEvent({ producer: 'evaluation', aggregate: 'widget' });

    expect(event).toMatchObject({
      name: 'thing.created',
      version: 1,
      producer: 'evaluation',
      topic: { producer: 'evaluation', aggregate: 'widget' },
      schema: thing,
      description: 'A thing was created.',
    });
    expect(event.aggregateId({ thingId: 't-1', size: 3 })).toBe('t-1');
  });

  it.each(['thing.created', 'dossier.submitted', 'probe.reached-funding-award', 'call-for-projects.opened'])(
    'given the well-formed name %j, when defining, then it is accepted',
    (name) => {
      expect(() => thingEvent({ name })).not.toThrow();
    },
  );

  it.each(['thing', 'Thing.created', 'thing.Created', 'thing.created.again', 'thing_x.created', 'thing.created2', '.created', 'thing.', '-thing.created', ''])(
    'given the malformed name %j, when defining, then it is refused with the naming rule',
    (name) => {
      expect(() => thingEvent({ name })).toThrow(`Event name "${name}" must read <aggregate>.<fact>, lower-case with dashes`);
    },
  );
});

describe('EventCatalogue', () => {
  const created = thingEvent();
  const resized = thingEvent({ name: 'thing.resized' });
  const createdV2 = thingEvent({ version: 2 });
  const widgetMade = thingEvent({ name: 'widget.made', aggregate: 'widget' });
  const evaluated = thingEvent({ name: 'thing.evaluated', producer: 'evaluation' });

  it('given definitions, when looking one up by wire type, then it is found; an unknown type gives undefined', () => {
    const catalogue = new EventCatalogue([created, createdV2]);

    expect(catalogue.get('thing.created.v1')).toBe(created);
    expect(catalogue.get('thing.created.v2')).toBe(createdV2);
    expect(catalogue.get('thing.created')).toBeUndefined();
    expect(catalogue.get('thing.created.v3')).toBeUndefined();
  });

  it('given definitions, when listing all, then they come back in catalogue order', () => {
    expect(new EventCatalogue([resized, created, widgetMade]).all()).toEqual([resized, created, widgetMade]);
  });

  it('given two definitions of one wire type, when building the catalogue, then it is refused', () => {
    expect(() => new EventCatalogue([created, resized, thingEvent()])).toThrow('Event type thing.created.v1 is defined twice');
  });

  it('given two versions of one event, when building the catalogue, then both are accepted', () => {
    expect(new EventCatalogue([created, createdV2]).all()).toHaveLength(2);
  });

  it('given several events on shared topics, when listing topics, then each (producer, aggregate) appears once, in first-seen order', () => {
    const catalogue = new EventCatalogue([created, widgetMade, resized, evaluated, createdV2]);

    expect(catalogue.topics()).toEqual([
      { producer: 'submission', aggregate: 'thing' },
      { producer: 'submission', aggregate: 'widget' },
      { producer: 'evaluation', aggregate: 'thing' },
    ]);
  });

  it('given an empty catalogue, when listing, then there is nothing', () => {
    const catalogue = new EventCatalogue([]);
    expect(catalogue.all()).toEqual([]);
    expect(catalogue.topics()).toEqual([]);
  });

  describe('superseded versions', () => {
    const v3 = thingEvent({ version: 3, schema: z.object({ thingId: z.string(), size: z.number().int(), unit: z.enum(['cm', 'm']) }) as never });
    const v2 = thingEvent({ version: 2, supersededBy: { definition: v3, upcast: (d) => ({ ...d, unit: 'cm' }) } });
    const v1 = thingEvent({ supersededBy: { definition: v2, upcast: (d) => ({ ...d, size: d.size * 10 }) } });

    it('given v1 superseded by v2 superseded by v3, when v1 data is read, then it is upcast step by step and validated as v3', () => {
      const catalogue = new EventCatalogue([v1, v2, v3]);
      expect(catalogue.current('thing.created.v1')).toBe(v3);
      expect(catalogue.current('thing.created.v3')).toBe(v3);
      expect(catalogue.read('thing.created.v1', { thingId: 't', size: 2 })).toEqual({ definition: v3, data: { thingId: 't', size: 20, unit: 'cm' } });
      expect(catalogue.read('thing.created.v9', {})).toBeUndefined();
    });

    it('given an upcast whose result breaks the next schema, when read, then the error is reported against that version', () => {
      const broken = thingEvent({ supersededBy: { definition: v3, upcast: (d) => ({ ...d, unit: 'km' }) } });
      expect(new EventCatalogue([broken, v3]).read('thing.created.v1', { thingId: 't', size: 2 })).toMatchObject({ definition: v3, error: expect.stringContaining('unit') });
    });

    it('given a successor missing from the catalogue, another event, an older version or another topic, when building, then it is refused', () => {
      expect(() => new EventCatalogue([v1])).toThrow('thing.created.v1 is superseded by thing.created.v2, which is not in the catalogue');
      expect(() => new EventCatalogue([thingEvent({ supersededBy: { definition: resized, upcast: (d) => d } }), resized])).toThrow(/only be superseded by a later version/);
      expect(() => new EventCatalogue([thingEvent({ version: 4, supersededBy: { definition: v3, upcast: (d) => d } }), v3])).toThrow(/only be superseded by a later version/);
      const elsewhere = thingEvent({ version: 2, aggregate: 'widget' });
      expect(() => new EventCatalogue([thingEvent({ supersededBy: { definition: elsewhere, upcast: (d) => d } }), elsewhere])).toThrow(/only be superseded by a later version/);
    });
  });
});
